/*
 * The sensor node's behaviour, the same on every board: what it sends and when (docs/protocol.md).
 *   hello      at start (sequence 0) and every 60 s, so an edge that starts later learns the node
 *   current    once a second: the RMS of each CT over ten 100 ms windows
 *   climate    every 2 s, or an `X` error line when the sensor does not answer
 *   heartbeat  every 10 s with the uptime
 * The board feeds it finished sample windows, climate results and the time; it hands back lines through `write`.
 */
#ifndef MINOTAKE_NODE_H
#define MINOTAKE_NODE_H

#include <stdint.h>

#include "ct_rms.h"
#include "protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef MT_NODE_MAX_CT
#define MT_NODE_MAX_CT 8
#endif

#define MT_WINDOW_MS 100u
#define MT_WINDOWS_PER_READING 10u
#define MT_HELLO_EVERY_S 60u
#define MT_HEARTBEAT_EVERY_S 10u
#define MT_CLIMATE_EVERY_S 2u
/* A CT clipping this long is not a start-up inrush but a CT or burden too small for the machine. */
#define MT_CLIP_REPORT_AFTER_S 5u
/* While it goes on, the error is repeated this often (the kit's alarm stays raised, the line stays quiet). */
#define MT_CLIP_REPEAT_S 10u

/* Error codes of `X` lines. */
#define MT_ERROR_I2C_NACK "I2C_NACK"     /* the sensor did not acknowledge its address: unplugged, no power, wrong address */
#define MT_ERROR_I2C_BUS "I2C_BUS"       /* the bus hung (SDA or SCL held low) or lost arbitration */
#define MT_ERROR_I2C_CRC "I2C_CRC"       /* a reading arrived damaged */
#define MT_ERROR_SENSOR_RANGE "SENSOR_RANGE" /* a reading outside what the sensor can measure */
#define MT_ERROR_ADC_RANGE "ADC_RANGE"   /* a CT's signal reached the ADC's limits for seconds: its reading is too low */

typedef void (*mt_write_fn)(const char *text, uint8_t length, void *context);

typedef struct {
  const char *node_id;
  const char *firmware;
  uint8_t ct_count;
  const char *ct_ids[MT_NODE_MAX_CT];
  mt_ct_scale ct_scale[MT_NODE_MAX_CT];
  const char *climate_id; /* NULL without a climate sensor */
  mt_write_fn write;
  void *context;
} mt_node_config;

typedef struct {
  const mt_node_config *config;
  uint16_t seq;
  uint32_t uptime_s;
  uint16_t uptime_ms; /* the part of a second not yet counted */
  uint32_t last_ms;
  uint32_t next_hello_s, next_heartbeat_s, next_climate_s;
  uint8_t windows;
  mt_ct_second ct[MT_NODE_MAX_CT];
  uint8_t clipped_s[MT_NODE_MAX_CT]; /* seconds a CT has clipped, cycling once reported */
  uint16_t lines;          /* lines sent, wrapping */
  uint16_t encode_errors;  /* lines the encoder refused: a configuration error, never sent */
  mt_line line;
} mt_node;

/* What the board should start now (a bit set returned by mt_node_poll). */
#define MT_DUE_CLIMATE 0x01u

/* Sends the hello with sequence 0. `now_ms` is any free-running millisecond clock; it may wrap. */
void mt_node_start(mt_node *node, const mt_node_config *config, uint32_t now_ms);
/* Moves the clock on; sends hellos and heartbeats when due; says when to start a climate measurement. */
uint8_t mt_node_poll(mt_node *node, uint32_t now_ms);
/* One finished 100 ms window per CT (config order); every tenth sends the current line. */
void mt_node_ct_windows(mt_node *node, const mt_ct_window *windows);
/* The climate sensor's 6 measurement bytes: a climate line, or an error line if they are damaged. */
void mt_node_climate_bytes(mt_node *node, const uint8_t bytes[6]);
/* A sensor that failed: an `X` line for channel `id` with `code`. */
void mt_node_sensor_error(mt_node *node, const char *id, const char *code);

#ifdef __cplusplus
}
#endif
#endif
