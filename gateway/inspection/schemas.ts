/** The inspection API's shapes (TypeBox): the source of validation, serialisation and the OpenAPI document. */
import { type Static, Type as T } from '@sinclair/typebox';

const Ms = T.Integer({ description: 'ms since the epoch, UTC' });
const Nullable = <S extends ReturnType<typeof T.Number>>(schema: S) => T.Union([schema, T.Null()]);
export const TrialId = T.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,39}$' });

const Problem = T.Object({ code: T.String(), message: T.String(), messageJa: T.String() });

const ScoredImage = T.Object({
  id: T.String(),
  score: T.Number(),
  truth: T.Union([T.Literal('ok'), T.Literal('ng')]),
  label: T.Optional(T.String()),
});

export const Evaluation = T.Object({
  threshold: T.Number(),
  falseRejectRate: T.Number({ description: 'the rate the fitted threshold was set for' }),
  heldOutGood: T.Integer(),
  defects: T.Integer(),
  auroc: Nullable(T.Number()),
  aurocByLabel: T.Record(T.String(), Nullable(T.Number())),
  confusion: T.Object({
    truePositive: T.Integer(),
    falseNegative: T.Integer(),
    falsePositive: T.Integer(),
    trueNegative: T.Integer(),
  }),
  worstGood: T.Array(ScoredImage),
  bestHiddenDefects: T.Array(ScoredImage),
});

export const TrialImage = T.Object({
  id: T.String(),
  name: T.String(),
  role: T.Union([T.Literal('ok'), T.Literal('ng'), T.Literal('test')]),
  label: T.Union([T.String(), T.Null()]),
  width: T.Integer(),
  height: T.Integer(),
  addedAt: Ms,
  use: T.Union([T.Literal('train'), T.Literal('heldOut'), T.Literal('judged'), T.Null()]),
  score: Nullable(T.Number()),
  templateScore: Nullable(T.Number()),
});

const FitSummary = T.Object({
  fittedAt: Ms,
  durationMs: T.Integer(),
  backbone: T.String(),
  trainImages: T.Integer(),
  heldOutImages: T.Integer(),
  bankSize: T.Integer(),
  goodPatches: T.Integer(),
  modelBytes: T.Integer(),
  fittedThresholds: T.Object({ patchcore: T.Number(), template: T.Number() }),
  patchcore: Evaluation,
  template: Evaluation,
});

export const Trial = T.Object({
  id: T.String(),
  name: T.String(),
  product: T.String(),
  camera: T.String(),
  note: T.String(),
  createdAt: Ms,
  updatedAt: Ms,
  status: T.Union([T.Literal('draft'), T.Literal('fitting'), T.Literal('fitted'), T.Literal('failed')]),
  error: T.Union([Problem, T.Null()]),
  progress: T.Union([T.Object({ stage: T.String(), fraction: T.Number() }), T.Null()]),
  settings: T.Object({ imageSize: T.Integer(), falseRejectRate: T.Number(), heldOutShare: T.Number() }, { additionalProperties: true }),
  thresholds: T.Union([T.Object({ patchcore: T.Number(), template: T.Number() }), T.Null()]),
  fit: T.Union([FitSummary, T.Null()]),
  images: T.Array(TrialImage),
});

export const TrialSummary = T.Object({
  id: T.String(),
  name: T.String(),
  product: T.String(),
  status: Trial.properties.status,
  createdAt: Ms,
  images: T.Object({ ok: T.Integer(), ng: T.Integer(), test: T.Integer() }),
  auroc: Nullable(T.Number()),
});

export const TrialList = T.Object({ trials: T.Array(TrialSummary) });

export const NewTrialBody = T.Object(
  {
    id: T.Optional(TrialId),
    name: T.String({ minLength: 1, maxLength: 80 }),
    product: T.Optional(T.String({ maxLength: 120 })),
    camera: T.Optional(T.String({ maxLength: 120 })),
    note: T.Optional(T.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const TrialParams = T.Object({ id: TrialId });
export const ImageParams = T.Object({
  id: TrialId,
  image: T.String({ pattern: '^[0-9a-f]{16}$' }),
  kind: T.Union([T.Literal('image'), T.Literal('heatmap'), T.Literal('template')]),
});
export const ImageIdParams = T.Object({ id: TrialId, image: T.String({ pattern: '^[0-9a-f]{16}$' }) });

export const UploadQuery = T.Object(
  {
    role: T.Union([T.Literal('ok'), T.Literal('ng'), T.Literal('test')]),
    /** The file name as the user picked it (the body is the raw file). */
    name: T.String({ minLength: 1, maxLength: 255 }),
    label: T.Optional(T.String({ minLength: 1, maxLength: 40 })),
  },
  { additionalProperties: false },
);

export const UploadReply = T.Object({
  added: T.Array(TrialImage),
  refused: T.Array(T.Object({ file: T.String(), code: T.String(), message: T.String(), messageJa: T.String() })),
});

export const ThresholdBody = T.Object(
  { patchcore: T.Union([T.Number({ exclusiveMinimum: 0 }), T.Null()], { description: 'null = back to the fitted threshold' }) },
  { additionalProperties: false },
);

export const StationResult = T.Object({
  ts: Ms,
  image: T.String(),
  score: T.Number(),
  threshold: T.Number(),
  verdict: T.Union([T.Literal('OK'), T.Literal('NG')]),
  templateScore: T.Number(),
  slot: T.Integer(),
});

export const StationStatus = T.Object({
  id: T.String(),
  name: T.String(),
  nameEn: T.Union([T.String(), T.Null()]),
  trial: T.String(),
  watch: T.String(),
  day: T.String(),
  goodToday: T.Integer(),
  rejectToday: T.Integer(),
  rejectedFiles: T.Integer(),
  lastError: T.Union([Problem, T.Null()]),
  recent: T.Array(StationResult),
});

export const StationList = T.Object({ stations: T.Array(StationStatus) });
export const StationHeatmapParams = T.Object({
  station: T.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,31}$' }),
  slot: T.Integer({ minimum: 0, maximum: 19 }),
});

export type TrialBody = Static<typeof Trial>;
export type TrialSummaryBody = Static<typeof TrialSummary>;
