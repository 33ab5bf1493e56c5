/*
 * Serial line protocol v1 encoder (docs/protocol.md): builds one checksummed line at a time in a caller's buffer.
 * It refuses anything the edge would reject (a bad id, a value out of the sensor's range, a line over 160 characters),
 * so a firmware bug shows up as a missing line and an error count here, not as a rejected line on the kit.
 * Values are fixed-point integers: no printf("%f") on a microcontroller.
 */
#ifndef MINOTAKE_PROTOCOL_H
#define MINOTAKE_PROTOCOL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest line the edge accepts, without the terminator. */
#define MT_LINE_MAX 160
/* The line plus "\r\n" and a NUL. */
#define MT_LINE_BUFFER (MT_LINE_MAX + 3)

/* Protocol ranges, in the units the encoder takes. */
#define MT_CENTIAMPS_MAX 100000L   /* 1000.00 A */
#define MT_CENTI_C_MIN (-4000)     /* -40.00 °C */
#define MT_CENTI_C_MAX 12500       /* 125.00 °C */
#define MT_DECI_PCT_MAX 1000       /* 100.0 %RH */

typedef enum {
  MT_OK = 0,
  MT_ERR_TOO_LONG,  /* the line would pass 160 characters */
  MT_ERR_BAD_ID,    /* an id outside [a-z0-9][a-z0-9_-]{0,31} */
  MT_ERR_BAD_TEXT,  /* a version or code with characters the protocol does not allow */
  MT_ERR_RANGE      /* a value outside the sensor's range */
} mt_status;

typedef enum { MT_KIND_CURRENT = 'I', MT_KIND_CLIMATE = 'C' } mt_kind;

typedef struct {
  const char *id;
  mt_kind kind;
} mt_channel;

/* One line being built. After mt_line_end(), `text` holds the line with CRLF and a NUL, `length` counts up to the CRLF. */
typedef struct {
  char text[MT_LINE_BUFFER];
  uint8_t length;
  mt_status status;
} mt_line;

/* Each encoder fills `line` and returns MT_OK, or an error and leaves an empty line. */
mt_status mt_encode_hello(mt_line *line, uint16_t seq, const char *node_id, const char *firmware, const mt_channel *channels,
                          uint8_t count);
/* centiamps[i] is channel ids[i]'s RMS in hundredths of an ampere (1234 = 12.34 A). */
mt_status mt_encode_current(mt_line *line, uint16_t seq, const char *const *ids, const int32_t *centiamps, uint8_t count);
/* centi_c: temperature in hundredths of a degree; deci_pct: relative humidity in tenths of a percent. */
mt_status mt_encode_climate(mt_line *line, uint16_t seq, const char *id, int32_t centi_c, int32_t deci_pct);
mt_status mt_encode_heartbeat(mt_line *line, uint16_t seq, uint32_t uptime_s);
mt_status mt_encode_error(mt_line *line, uint16_t seq, const char *id, const char *code);
/* A part counter: its running total (a uint32 that wraps to 0) and the ms since its last pulse (or since power-up before the first). */
mt_status mt_encode_count(mt_line *line, uint16_t seq, const char *id, uint32_t total, uint32_t last_part_age_ms);

/* Whether `id` is a protocol id (nodes and channels). */
int mt_valid_id(const char *id);

#ifdef __cplusplus
}
#endif
#endif
