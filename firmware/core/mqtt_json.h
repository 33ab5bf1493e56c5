/*
 * A node on Wi-Fi publishes JSON to the kit's broker (docs/mqtt.md) instead of writing protocol lines to a cable. The
 * core still makes its lines (docs/protocol.md); these turn one line into the MQTT message it stands for, so that both
 * ways carry the very same readings. The time and the sequence number are added when a message goes out.
 */
#ifndef MINOTAKE_MQTT_JSON_H
#define MINOTAKE_MQTT_JSON_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { MT_MSG_NONE = 0, MT_MSG_STATUS, MT_MSG_CURRENT, MT_MSG_CLIMATE, MT_MSG_ERROR } mt_msg_kind;

/* Room for the fields of any line of at most 160 characters, and for the whole payload around them. */
#define MT_FIELDS_MAX 400u
#define MT_PAYLOAD_MAX 460u

/* The topic's last part under minotake/v1/<kit>/node/<id>/: "status", "current", "climate", "error"; NULL for none. */
const char *mt_msg_topic(mt_msg_kind kind);
/*
 * The JSON members one protocol line carries, without braces, "ts" or "seq":
 *   I  "amps":{"ct1":12.34,"ct2":0.00}
 *   C  "channel":"env1","temperatureC":24.31,"humidityPct":55.2
 *   X  "channel":"env1","code":"I2C_NACK"
 *   H  "firmware":"1.0.0","channels":[{"id":"ct1","kind":"current"}]   (the node's status)
 * A heartbeat, or a line that is not one the core makes, gives MT_MSG_NONE.
 */
mt_msg_kind mt_line_fields(const char *line, char *out, uint16_t size);
/* The payload: {"ts":…,"seq":…,<fields>} for a reading, {"online":true,"ts":…,<fields>} for a status; its length, 0 if too long. */
uint16_t mt_msg_payload(mt_msg_kind kind, int64_t ts, uint16_t seq, const char *fields, char *out, uint16_t size);
/* The "ts" of a clock message {"ts":1750000000000}; 0 if there is none. */
int mt_clock_ts(const char *payload, uint16_t length, int64_t *ts);

#ifdef __cplusplus
}
#endif
#endif
