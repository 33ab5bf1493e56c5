#include "node.h"

#include "sht3x.h"

static void send(mt_node *node, mt_status status) {
  if (status != MT_OK) {
    node->encode_errors++;
    return;
  }
  node->config->write(node->line.text, (uint8_t)(node->line.length + 2), node->config->context);
  node->seq++; /* a uint16_t wraps 65535 -> 0 as the protocol says */
  node->lines++;
}

static void send_hello(mt_node *node) {
  const mt_node_config *c = node->config;
  mt_channel channels[MT_NODE_MAX_CT + 1];
  uint8_t n = 0;
  for (uint8_t i = 0; i < c->ct_count; i++) channels[n++] = (mt_channel){c->ct_ids[i], MT_KIND_CURRENT};
  if (c->climate_id) channels[n++] = (mt_channel){c->climate_id, MT_KIND_CLIMATE};
  send(node, mt_encode_hello(&node->line, node->seq, c->node_id, c->firmware, channels, n));
}

void mt_node_start(mt_node *node, const mt_node_config *config, uint32_t now_ms) {
  *node = (mt_node){0};
  node->config = config;
  node->last_ms = now_ms;
  node->next_hello_s = MT_HELLO_EVERY_S;
  node->next_heartbeat_s = MT_HEARTBEAT_EVERY_S;
  /* The first climate reading right away: a tablet should not wait for it. */
  node->next_climate_s = 0;
  send_hello(node);
}

uint8_t mt_node_poll(mt_node *node, uint32_t now_ms) {
  /* Unsigned difference: right across the wrap of a 32-bit millisecond clock (49.7 days, a long loan). */
  uint32_t elapsed = now_ms - node->last_ms;
  node->last_ms = now_ms;
  elapsed += node->uptime_ms;
  node->uptime_s += elapsed / 1000u;
  node->uptime_ms = (uint16_t)(elapsed % 1000u);

  if (node->uptime_s >= node->next_hello_s) {
    node->next_hello_s = node->uptime_s + MT_HELLO_EVERY_S;
    send_hello(node);
  }
  if (node->uptime_s >= node->next_heartbeat_s) {
    node->next_heartbeat_s = node->uptime_s + MT_HEARTBEAT_EVERY_S;
    send(node, mt_encode_heartbeat(&node->line, node->seq, node->uptime_s));
  }
  uint8_t due = 0;
  if (node->config->climate_id && node->uptime_s >= node->next_climate_s) {
    node->next_climate_s = node->uptime_s + MT_CLIMATE_EVERY_S;
    due |= MT_DUE_CLIMATE;
  }
  return due;
}

void mt_node_ct_windows(mt_node *node, const mt_ct_window *windows) {
  const mt_node_config *c = node->config;
  for (uint8_t i = 0; i < c->ct_count; i++) mt_ct_second_add(&node->ct[i], &windows[i]);
  if (++node->windows < MT_WINDOWS_PER_READING) return;
  node->windows = 0;

  int32_t centiamps[MT_NODE_MAX_CT];
  uint8_t clipped[MT_NODE_MAX_CT];
  for (uint8_t i = 0; i < c->ct_count; i++) centiamps[i] = mt_ct_second_take(&node->ct[i], &c->ct_scale[i], &clipped[i]);
  if (c->ct_count) send(node, mt_encode_current(&node->line, node->seq, c->ct_ids, centiamps, c->ct_count));

  /* A clipped reading is still sent (the machine surely runs, and an inrush clips for a second or two); a CT that
     keeps clipping is reported, because its readings are too low for as long as it does. */
  for (uint8_t i = 0; i < c->ct_count; i++) {
    uint8_t *s = &node->clipped_s[i];
    if (!clipped[i]) {
      *s = 0;
      continue;
    }
    if (++*s == MT_CLIP_REPORT_AFTER_S + MT_CLIP_REPEAT_S) *s = MT_CLIP_REPORT_AFTER_S;
    if (*s == MT_CLIP_REPORT_AFTER_S) mt_node_sensor_error(node, c->ct_ids[i], MT_ERROR_ADC_RANGE);
  }
}

void mt_node_climate_bytes(mt_node *node, const uint8_t bytes[6]) {
  const char *id = node->config->climate_id;
  int32_t centi_c, deci_pct;
  switch (mt_sht3x_convert(bytes, &centi_c, &deci_pct)) {
    case MT_SHT3X_OK:
      send(node, mt_encode_climate(&node->line, node->seq, id, centi_c, deci_pct));
      return;
    case MT_SHT3X_CRC:
      mt_node_sensor_error(node, id, MT_ERROR_I2C_CRC);
      return;
    default:
      mt_node_sensor_error(node, id, MT_ERROR_SENSOR_RANGE);
      return;
  }
}

void mt_node_sensor_error(mt_node *node, const char *id, const char *code) {
  send(node, mt_encode_error(&node->line, node->seq, id, code));
}
