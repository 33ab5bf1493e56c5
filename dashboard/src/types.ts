/** The API's shapes as the dashboard sees them: types only from the gateway's contract, so no gateway code reaches the bundle. */
import type {
  AlarmBody,
  CurrentSeriesBody,
  EnvironmentSeriesBody,
  KitInfoBody,
  LiveEventBody,
  LiveSnapshotBody,
  MachineLiveBody,
  MeBody,
  NodeLiveBody,
  TimelineBody,
  UtilizationBody,
  ZoneLiveBody,
} from '../../gateway/http/schemas';

export type Me = MeBody;
export type Alarm = AlarmBody;
export type AlarmSeverity = AlarmBody['severity'];
export type AlarmState = AlarmBody['state'];
export type Role = MeBody['role'];
export type KitInfo = KitInfoBody;
export type KitMachine = KitInfoBody['machines'][number];
export type KitZone = KitInfoBody['zones'][number];
export type LiveSnapshot = LiveSnapshotBody;
export type LiveEvent = LiveEventBody;
export type MachineLive = MachineLiveBody;
export type ZoneLive = ZoneLiveBody;
export type NodeLive = NodeLiveBody;
export type MachineState = MachineLiveBody['state'];
export type WbgtLevel = NonNullable<ZoneLiveBody['level']>;
export type CurrentSeries = CurrentSeriesBody;
export type EnvironmentSeries = EnvironmentSeriesBody;
export type Timeline = TimelineBody;
/** A machine state, or NO_DATA where the kit recorded nothing. */
export type TimelineState = TimelineBody['intervals'][number]['state'];
export type Utilization = UtilizationBody;
export type UtilizationRow = UtilizationBody['rows'][number];

export type {
  CalibrationResponse,
  CheckBody,
  ClockResponse,
  DoctorResponse,
  LiveChannelsResponse,
  ThresholdsResponse,
} from '../../gateway/kitlife/api';
