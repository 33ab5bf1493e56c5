/*
 * The portable core on the host, driven line by line from stdin by the firmware unit tests (test/unit/firmware/): each command runs one
 * core function and prints one answer line. The tests hold the answers to test/vectors/lines.json, to the edge's own
 * parser and to synthetic waveforms whose true RMS they know.
 *
 *   crc <text>                             -> 4 hex digits
 *   hello <seq> <node> <firmware> <id:K;…> -> the line, or "error <status>"
 *   current <seq> <id>=<amps> …            -> "
 *   climate <seq> <id> <°C> <%RH>          -> "
 *   heartbeat <seq> <uptime s>             -> "
 *   error <seq> <id> <code>                -> "
 *   count <seq> <id> <total> <age ms>      -> "
 *   crc8 <hex bytes>                       -> 2 hex digits
 *   sht <12 hex digits>                    -> "ok <centi °C> <deci %RH>", "crc" or "range"
 *   rms <key=value …>                      -> "amps <1 s reading> true <A> min <window A> max <window A> clipped <0|1>"
 *   node <seconds> <amps ct1> … [nack]     -> every line the node sends in that many seconds, then "end <lines> <errors>"
 *   json <line>                            -> "<topic> <payload>" of the MQTT message the line stands for (ts 1700000000000, seq 7), or "none"
 *   clock <kit ms> <millis>                -> a clock message; "offset <ms>"
 *   kit <measured millis> <millis>         -> "kit <ms>", or "unsynced"
 *   wifi <s> <down from s> <down to s> <ring bytes> [clock delay ms]
 *                                          -> the Wi-Fi mode against a fake broker away from..to: "pub <topic> <payload>" per
 *                                             publish, "at <s> <kit ms>" each second, "end queued=… acked=… dropped=… resent=… left=…"
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/crc16.h"
#include "../core/ct_rms.h"
#include "../core/kit_clock.h"
#include "../core/mqtt_json.h"
#include "../core/node.h"
#include "../core/protocol.h"
#include "../core/sht3x.h"
#include "../core/uplink.h"
#include "../sim/waveform.h"

#define MAX_WORDS 48

static int32_t fixed(const char *text, double scale) { return (int32_t)lround(strtod(text, NULL) * scale); }

static void print_line(mt_status status, const mt_line *line) {
  if (status != MT_OK) printf("error %d\n", (int)status);
  else fwrite(line->text, 1, line->length + 2u, stdout);
}

static int hex_bytes(const char *hex, uint8_t *out, int max) {
  int n = 0;
  while (hex[0] && hex[1] && n < max) {
    char pair[3] = {hex[0], hex[1], 0};
    out[n++] = (uint8_t)strtoul(pair, NULL, 16);
    hex += 2;
  }
  return n;
}

/* The firmware's sampling: 10 kHz round-robin over `channels` CTs, this one first; 100 ms windows. */
static void rms(char **words, int count) {
  wave w = {.amps = 10, .hz = 50, .amps_per_volt = 30, .bias_volts = 2.5, .vref = 5.0};
  int channels = 4, seconds = 1;
  uint64_t seed = 1;
  for (int i = 1; i < count; i++) {
    char *eq = strchr(words[i], '=');
    if (!eq) continue;
    *eq = 0;
    const char *k = words[i], *v = eq + 1;
    if (!strcmp(k, "amps")) w.amps = atof(v);
    else if (!strcmp(k, "hz")) w.hz = atof(v);
    else if (!strcmp(k, "phase")) w.phase = atof(v);
    else if (!strcmp(k, "noise")) w.noise_amps = atof(v);
    else if (!strcmp(k, "bias")) w.bias_volts = atof(v);
    else if (!strcmp(k, "apv")) w.amps_per_volt = atof(v);
    else if (!strcmp(k, "vref")) w.vref = atof(v);
    else if (!strcmp(k, "channels")) channels = atoi(v);
    else if (!strcmp(k, "seconds")) seconds = atoi(v);
    else if (!strcmp(k, "seed")) seed = strtoull(v, NULL, 10);
    else if (!strcmp(k, "h")) { /* h=3:0.2 adds a 3rd harmonic at 20 % */
      if (w.harmonics < WAVE_MAX_HARMONICS) {
        w.order[w.harmonics] = (uint8_t)atoi(v);
        w.fraction[w.harmonics++] = atof(strchr(v, ':') ? strchr(v, ':') + 1 : "0");
      }
    }
  }
  mt_ct_scale scale = {1023, (float)(w.vref / 1024.0), (float)w.amps_per_volt};
  mt_ct_second second = {0};
  const double tick = 1.0 / 10000.0;
  const int per_window = 1000 / channels;
  double min = 1e9, max = 0;
  long slot = 0;
  for (int win = 0; win < seconds * 10; win++) {
    mt_ct_window window;
    mt_ct_reset(&window);
    for (int i = 0; i < per_window; i++, slot += channels) mt_ct_add(&window, wave_adc10(&w, (double)slot * tick, &seed), 1023);
    double a = mt_ct_window_amps(&window, &scale);
    if (a < min) min = a;
    if (a > max) max = a;
    mt_ct_second_add(&second, &window);
  }
  uint8_t clipped;
  int32_t centi = mt_ct_second_take(&second, &scale, &clipped);
  printf("amps %.2f true %.4f min %.4f max %.4f clipped %d\n", centi / 100.0, wave_true_amps(&w), min, max, clipped);
}

static void write_stdout(const char *text, uint8_t length, void *context) {
  (void)context;
  fwrite(text, 1, length, stdout);
}

/* The node for `seconds` with CTs at the given amps (50 Hz, 4 CTs), the climate sensor answering unless "nack". */
static void node(char **words, int count) {
  static const char *ids[] = {"ct1", "ct2", "ct3", "ct4"};
  mt_node_config config = {.node_id = "node-a", .firmware = "1.0.0", .climate_id = "env1", .write = write_stdout};
  wave waves[4];
  int nack = 0;
  for (int i = 2; i < count; i++) {
    if (!strcmp(words[i], "nack")) {
      nack = 1;
      continue;
    }
    int c = config.ct_count++;
    config.ct_ids[c] = ids[c];
    config.ct_scale[c] = (mt_ct_scale){1023, 5.0f / 1024.0f, 30.0f};
    waves[c] = (wave){.amps = atof(words[i]), .hz = 50, .amps_per_volt = 30, .bias_volts = 2.5, .vref = 5.0};
  }
  int seconds = atoi(words[1]);
  uint64_t seed = 7;
  mt_node n;
  /* Start the clock just below the 32-bit wrap: uptime must not care. */
  uint32_t now = 0xFFFFFFFFu - 1500u;
  mt_node_start(&n, &config, now);
  /* 23.45 °C, 56.7 %RH as the sensor would encode them. */
  uint8_t sht[6] = {0x66, 0xD4, 0, 0x91, 0x26, 0};
  sht[2] = mt_sht3x_crc8(sht, 2);
  sht[5] = mt_sht3x_crc8(sht + 3, 2);
  long slot = 0;
  for (int win = 0; win < seconds * 10; win++) {
    mt_ct_window windows[4];
    for (int c = 0; c < config.ct_count; c++) mt_ct_reset(&windows[c]);
    for (int i = 0; i < 1000; i++, slot++) {
      int c = config.ct_count ? (int)(slot % config.ct_count) : 0;
      if (config.ct_count) mt_ct_add(&windows[c], wave_adc10(&waves[c], (double)slot / 10000.0, &seed), 1023);
    }
    now += MT_WINDOW_MS;
    if (mt_node_poll(&n, now) & MT_DUE_CLIMATE) {
      if (nack) mt_node_sensor_error(&n, config.climate_id, MT_ERROR_I2C_NACK);
      else mt_node_climate_bytes(&n, sht);
    }
    mt_node_ct_windows(&n, windows);
  }
  printf("end %u %u\n", n.lines, n.encode_errors);
}

/* The fake broker of the wifi command: it answers a publish one 100 ms step later, unless it is away by then. */
typedef struct {
  int next_id;
  int pending[64];
  int pending_count;
  int up;
} fake_broker;

static int fake_publish(void *context, const char *suffix, const char *payload, uint16_t length, uint8_t retain) {
  fake_broker *broker = (fake_broker *)context;
  (void)retain;
  if (!broker->up) return -1;
  printf("pub %s %.*s\n", suffix, (int)length, payload);
  int id = ++broker->next_id;
  if (broker->pending_count < 64) broker->pending[broker->pending_count++] = id;
  return id;
}

static mt_uplink wifi_uplink;
static mt_kit_clock cli_clock;

static void write_uplink(const char *text, uint8_t length, void *context) {
  (void)length;
  mt_uplink_line(&wifi_uplink, text, *(uint32_t *)context);
}

static void send_clock(int64_t kit_ms, uint32_t now) {
  char clock[40];
  int n = snprintf(clock, sizeof clock, "{\"ts\":%lld}", (long long)kit_ms);
  mt_uplink_clock(&wifi_uplink, clock, (uint16_t)n, now);
}

/*
 * A node with 2 CTs (12 A and 0.3 A) and a climate sensor on Wi-Fi for `seconds`; the broker is away in [from, to). The
 * kit's clock reads 1750000000000 when the node's millis() (started just below their 32-bit wrap) read their start; a
 * clock message reaches the node `delay` ms after it was sent, on connecting and every 10 s while connected.
 */
static void wifi(char **words, int count) {
  int seconds = atoi(words[1]), from = atoi(words[2]), to = atoi(words[3]);
  uint32_t ring_bytes = (uint32_t)strtoul(words[4], NULL, 10);
  int delay = count > 5 ? atoi(words[5]) : 3;
  static uint8_t ring[1 << 20];
  if (ring_bytes > sizeof ring) ring_bytes = sizeof ring;
  static const char *ids[] = {"ct1", "ct2"};
  uint32_t now = 0xFFFFFFFFu - 20000u;
  /* The kit's clock: 64 bits, unlike the node's millis(). */
  int64_t kit = 1750000000000LL;
  fake_broker broker = {0};
  mt_uplink_init(&wifi_uplink, ring, ring_bytes, fake_publish, &broker, now);
  mt_node_config config = {.node_id = "node-w", .firmware = "1.0.0", .ct_count = 2, .climate_id = "env1", .write = write_uplink};
  config.context = &now;
  wave waves[2] = {{.amps = 12, .hz = 50, .amps_per_volt = 30, .bias_volts = 2.5, .vref = 5.0},
                   {.amps = 0.3, .hz = 50, .amps_per_volt = 30, .bias_volts = 2.5, .vref = 5.0}};
  for (int c = 0; c < 2; c++) {
    config.ct_ids[c] = ids[c];
    config.ct_scale[c] = (mt_ct_scale){1023, 5.0f / 1024.0f, 30.0f};
  }
  uint8_t sht[6] = {0x66, 0xD4, 0, 0x91, 0x26, 0};
  sht[2] = mt_sht3x_crc8(sht, 2);
  sht[5] = mt_sht3x_crc8(sht + 3, 2);
  mt_node node;
  mt_node_start(&node, &config, now);
  uint64_t seed = 11;
  long slot = 0;
  for (int step = 0; step < seconds * 10; step++) {
    int t = step / 10;
    int up = !(t >= from && t < to);
    if (up != broker.up) {
      broker.up = up;
      if (!up) broker.pending_count = 0; /* their PUBACKs are lost with the connection */
      mt_uplink_connected(&wifi_uplink, (uint8_t)up);
      if (up) send_clock(kit - delay, now);
    } else if (up && step % 100 == 0) {
      send_clock(kit - delay, now);
    }
    for (int i = 0; i < broker.pending_count; i++) mt_uplink_acked(&wifi_uplink, broker.pending[i]);
    broker.pending_count = 0;
    mt_ct_window windows[2];
    for (int c = 0; c < 2; c++) mt_ct_reset(&windows[c]);
    for (int i = 0; i < 1000; i++, slot++) mt_ct_add(&windows[slot % 2], wave_adc10(&waves[slot % 2], (double)slot / 10000.0, &seed), 1023);
    now += MT_WINDOW_MS;
    kit += MT_WINDOW_MS;
    if (mt_node_poll(&node, now) & MT_DUE_CLIMATE) mt_node_climate_bytes(&node, sht);
    mt_node_ct_windows(&node, windows);
    mt_uplink_poll(&wifi_uplink, now);
    if (step % 10 == 9) printf("at %d %lld\n", t, (long long)kit);
  }
  printf("end queued=%u acked=%u dropped=%u resent=%u left=%u\n", (unsigned)wifi_uplink.queued, (unsigned)wifi_uplink.acknowledged,
         (unsigned)wifi_uplink.ring.dropped, (unsigned)wifi_uplink.resent, (unsigned)wifi_uplink.ring.count);
}

int main(void) {
  char input[1024];
  while (fgets(input, sizeof input, stdin)) {
    input[strcspn(input, "\r\n")] = 0;
    if (!strncmp(input, "crc\t", 4)) {
      printf("%04X\n", mt_crc16(input + 4, strlen(input + 4)));
      fflush(stdout);
      continue;
    }
    char *words[MAX_WORDS];
    int count = 0;
    for (char *p = strtok(input, "\t"); p && count < MAX_WORDS; p = strtok(NULL, "\t")) words[count++] = p;
    if (count == 0) continue;
    const char *cmd = words[0];
    mt_line line;
    uint16_t seq = count > 1 ? (uint16_t)atol(words[1]) : 0;
    if (!strcmp(cmd, "hello") && count == 5) {
      mt_channel channels[16];
      uint8_t n = 0;
      /* Split by hand: strtok is busy with the words. */
      for (char *p = words[4]; p && *p && n < 16;) {
        char *next = strchr(p, ';');
        if (next) *next++ = 0;
        char *colon = strchr(p, ':');
        if (colon) *colon = 0;
        channels[n++] = (mt_channel){p, (mt_kind)(colon ? colon[1] : '?')};
        p = next;
      }
      print_line(mt_encode_hello(&line, seq, words[2], words[3], channels, n), &line);
    } else if (!strcmp(cmd, "current")) {
      const char *ids[MAX_WORDS];
      int32_t centi[MAX_WORDS];
      uint8_t n = 0;
      for (int i = 2; i < count; i++, n++) {
        char *eq = strchr(words[i], '=');
        if (eq) *eq = 0;
        ids[n] = words[i];
        centi[n] = eq ? fixed(eq + 1, 100) : 0;
      }
      print_line(mt_encode_current(&line, seq, ids, centi, n), &line);
    } else if (!strcmp(cmd, "climate") && count == 5) {
      print_line(mt_encode_climate(&line, seq, words[2], fixed(words[3], 100), fixed(words[4], 10)), &line);
    } else if (!strcmp(cmd, "heartbeat") && count == 3) {
      print_line(mt_encode_heartbeat(&line, seq, (uint32_t)strtoul(words[2], NULL, 10)), &line);
    } else if (!strcmp(cmd, "error") && count == 4) {
      print_line(mt_encode_error(&line, seq, words[2], words[3]), &line);
    } else if (!strcmp(cmd, "count") && count == 5) {
      print_line(mt_encode_count(&line, seq, words[2], (uint32_t)strtoul(words[3], NULL, 10), (uint32_t)strtoul(words[4], NULL, 10)), &line);
    } else if (!strcmp(cmd, "crc8") && count == 2) {
      uint8_t bytes[64];
      printf("%02X\n", mt_sht3x_crc8(bytes, (uint8_t)hex_bytes(words[1], bytes, 64)));
    } else if (!strcmp(cmd, "sht") && count == 2) {
      uint8_t bytes[6] = {0};
      hex_bytes(words[1], bytes, 6);
      int32_t c, h;
      mt_sht3x_status s = mt_sht3x_convert(bytes, &c, &h);
      if (s == MT_SHT3X_OK) printf("ok %ld %ld\n", (long)c, (long)h);
      else printf("%s\n", s == MT_SHT3X_CRC ? "crc" : "range");
    } else if (!strcmp(cmd, "rms")) {
      rms(words, count);
    } else if (!strcmp(cmd, "node") && count >= 2) {
      node(words, count);
    } else if (!strcmp(cmd, "json") && count == 2) {
      char fields[MT_FIELDS_MAX], payload[MT_PAYLOAD_MAX];
      mt_msg_kind kind = mt_line_fields(words[1], fields, sizeof fields);
      if (kind == MT_MSG_NONE) printf("none\n");
      else if (mt_msg_payload(kind, 1700000000000LL, 7, fields, payload, sizeof payload)) printf("%s %s\n", mt_msg_topic(kind), payload);
      else printf("too long\n");
    } else if (!strcmp(cmd, "clock") && count == 3) {
      static int started = 0;
      if (!started) mt_kit_clock_init(&cli_clock, (uint32_t)strtoul(words[2], NULL, 10));
      started = 1;
      mt_kit_clock_observe(&cli_clock, strtoll(words[1], NULL, 10), (uint32_t)strtoul(words[2], NULL, 10));
      printf("offset %lld\n", (long long)cli_clock.offset);
    } else if (!strcmp(cmd, "kit") && count == 3) {
      int64_t kit;
      if (mt_kit_clock_to_kit(&cli_clock, (uint32_t)strtoul(words[1], NULL, 10), (uint32_t)strtoul(words[2], NULL, 10), &kit))
        printf("kit %lld\n", (long long)kit);
      else printf("unsynced\n");
    } else if (!strcmp(cmd, "wifi") && count >= 5) {
      wifi(words, count);
    } else {
      printf("unknown command %s\n", cmd);
    }
    fflush(stdout);
  }
  return 0;
}
