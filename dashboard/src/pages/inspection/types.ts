/** The inspection API's shapes, as types only (no gateway code reaches the bundle). */
import type { Static } from '@sinclair/typebox';
import type { StationList, Trial, TrialImage, TrialList, UploadReply } from '../../../../gateway/inspection/schemas';

export type TrialDetail = Static<typeof Trial>;
export type TrialImageInfo = Static<typeof TrialImage>;
export type TrialListBody = Static<typeof TrialList>;
export type UploadResult = Static<typeof UploadReply>;
export type Stations = Static<typeof StationList>;
export type Evaluation = NonNullable<TrialDetail['fit']>['patchcore'];
