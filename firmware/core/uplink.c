#include "uplink.h"

#include <string.h>

void mt_uplink_init(mt_uplink *uplink, uint8_t *ring_bytes, uint32_t ring_size, mt_publish_fn publish, void *context, uint32_t now_ms) {
  memset(uplink, 0, sizeof *uplink);
  mt_ring_init(&uplink->ring, ring_bytes, ring_size);
  mt_kit_clock_init(&uplink->clock, now_ms);
  uplink->publish = publish;
  uplink->context = context;
}

void mt_uplink_line(mt_uplink *uplink, const char *line, uint32_t now_ms) {
  char fields[MT_FIELDS_MAX];
  mt_msg_kind kind = mt_line_fields(line, fields, sizeof fields);
  if (kind == MT_MSG_NONE) return;
  if (kind == MT_MSG_STATUS) {
    strcpy(uplink->status, fields);
    return;
  }
  mt_record record = {now_ms, 0, uplink->seq, (uint8_t)kind};
  int64_t ts;
  if (mt_kit_clock_to_kit(&uplink->clock, now_ms, now_ms, &ts)) record.ts = ts;
  /* The number is used even when the ring has no room: the kit then sees the gap and counts the reading lost. */
  uplink->seq++;
  uplink->queued++;
  mt_ring_push(&uplink->ring, &record, fields, (uint16_t)strlen(fields), uplink->sending);
}

void mt_uplink_clock(mt_uplink *uplink, const char *payload, uint16_t length, uint32_t now_ms) {
  int64_t ts;
  if (mt_clock_ts(payload, length, &ts)) mt_kit_clock_observe(&uplink->clock, ts, now_ms);
}

void mt_uplink_connected(mt_uplink *uplink, uint8_t connected) {
  uplink->connected = connected;
  if (connected) {
    uplink->status_due = 1;
    return;
  }
  /* Unacknowledged readings stay at the head of the ring and go again after the reconnect. */
  if (uplink->sending) uplink->resent += uplink->sending;
  uplink->sending = 0;
}

void mt_uplink_acked(mt_uplink *uplink, int id) {
  for (uint8_t i = 0; i < uplink->sending; i++)
    if (uplink->ids[i] == id) uplink->acked[i] = 1;
  /* Oldest first: a reading leaves the ring only when everything before it has. */
  while (uplink->sending && uplink->acked[0]) {
    mt_ring_pop(&uplink->ring);
    uplink->acknowledged++;
    uplink->sending--;
    memmove(uplink->ids, uplink->ids + 1, uplink->sending * sizeof uplink->ids[0]);
    memmove(uplink->acked, uplink->acked + 1, uplink->sending);
  }
}

void mt_uplink_poll(mt_uplink *uplink, uint32_t now_ms) {
  if (!uplink->connected || !uplink->clock.synced) return;
  char payload[MT_PAYLOAD_MAX];
  int64_t now;
  mt_kit_clock_to_kit(&uplink->clock, now_ms, now_ms, &now);
  if (uplink->status_due && uplink->status[0]) {
    uint16_t length = mt_msg_payload(MT_MSG_STATUS, now, 0, uplink->status, payload, sizeof payload);
    if (length && uplink->publish(uplink->context, "status", payload, length, 1) >= 0) uplink->status_due = 0;
    if (uplink->status_due) return;
  }
  while (uplink->sending < MT_UPLINK_IN_FLIGHT && uplink->sending < uplink->ring.count) {
    mt_record record;
    char fields[MT_FIELDS_MAX];
    mt_ring_peek(&uplink->ring, uplink->sending, &record, fields, sizeof fields);
    if (record.ts == 0) {
      /* Measured before the clock was known: its millis() still say when, now the offset is known too. */
      mt_kit_clock_to_kit(&uplink->clock, record.measured_ms, now_ms, &record.ts);
      mt_ring_stamp(&uplink->ring, uplink->sending, record.ts);
    }
    uint16_t length = mt_msg_payload((mt_msg_kind)record.kind, record.ts, record.seq, fields, payload, sizeof payload);
    int id = length ? uplink->publish(uplink->context, mt_msg_topic((mt_msg_kind)record.kind), payload, length, 0) : -1;
    if (id < 0) return;
    uplink->ids[uplink->sending] = id;
    uplink->acked[uplink->sending] = 0;
    uplink->sending++;
  }
}
