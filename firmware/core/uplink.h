/*
 * The node's Wi-Fi mode without the Wi-Fi: what goes to the kit's broker and when. Lines of the core become readings in
 * the ring, each stamped with the kit's time of measuring (as soon as the clock is known); while connected and synced,
 * the status goes first, then readings oldest first, up to 8 awaiting their PUBACK; a reading leaves the ring only when
 * the kit has acknowledged it. After a reconnect whatever was unacknowledged is sent again: the kit drops repeats (same
 * time, same sequence number) and InfluxDB would keep one point anyway. The board glues this to its MQTT client
 * (firmware/esp32/minotake_node/wifi_transport.h); the host tests drive it with a fake broker.
 */
#ifndef MINOTAKE_UPLINK_H
#define MINOTAKE_UPLINK_H

#include <stdint.h>

#include "kit_clock.h"
#include "mqtt_json.h"
#include "ring.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MT_UPLINK_IN_FLIGHT 8u

/* Publishes `payload` on minotake/v1/<kit>/node/<id>/<suffix> with QoS 1; returns the message id (≥ 0) or −1 if it could not. */
typedef int (*mt_publish_fn)(void *context, const char *suffix, const char *payload, uint16_t length, uint8_t retain);

typedef struct {
  mt_ring ring;
  mt_kit_clock clock;
  mt_publish_fn publish;
  void *context;
  uint8_t connected;
  uint8_t status_due;
  uint16_t seq; /* the next reading's number */
  uint8_t sending;
  int ids[MT_UPLINK_IN_FLIGHT];
  uint8_t acked[MT_UPLINK_IN_FLIGHT];
  char status[MT_FIELDS_MAX]; /* the fields of the latest hello */
  uint32_t queued, acknowledged, resent;
} mt_uplink;

void mt_uplink_init(mt_uplink *uplink, uint8_t *ring_bytes, uint32_t ring_size, mt_publish_fn publish, void *context, uint32_t now_ms);
/* One line of the core (its `write` callback): a hello is kept for the status, a reading goes into the ring. */
void mt_uplink_line(mt_uplink *uplink, const char *line, uint32_t now_ms);
/* A message on node/<id>/clock. */
void mt_uplink_clock(mt_uplink *uplink, const char *payload, uint16_t length, uint32_t now_ms);
/* The MQTT session came up (subscribe to the clock, then status and readings follow) or went down. */
void mt_uplink_connected(mt_uplink *uplink, uint8_t connected);
/* The kit acknowledged a message (PUBACK). */
void mt_uplink_acked(mt_uplink *uplink, int id);
/* Sends what may go now. Call from the main loop. */
void mt_uplink_poll(mt_uplink *uplink, uint32_t now_ms);

#ifdef __cplusplus
}
#endif
#endif
