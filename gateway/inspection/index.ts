/** The AI visual-inspection trial (AI外観検査のお試し判定): see docs/inspection.md. */

export { InspectionError } from './errors.js';
export { createInspection, DEMO_TRIAL_ID, type Inspection } from './inspection.js';
export { InspectionService } from './service.js';
