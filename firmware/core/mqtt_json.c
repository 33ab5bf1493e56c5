#include "mqtt_json.h"

#include <string.h>

typedef struct {
  char *out;
  uint16_t size, length;
  uint8_t full;
} writer;

static void put(writer *w, char c) {
  if (w->length + 1u >= w->size) {
    w->full = 1;
    return;
  }
  w->out[w->length++] = c;
  w->out[w->length] = '\0';
}

static void puts_n(writer *w, const char *text, uint16_t n) {
  for (uint16_t i = 0; i < n; i++) put(w, text[i]);
}

static void put_text(writer *w, const char *text) { puts_n(w, text, (uint16_t)strlen(text)); }

/* A JSON string; only a firmware version can hold " or \ (ids and codes cannot). */
static void put_string(writer *w, const char *text, uint16_t n) {
  put(w, '"');
  for (uint16_t i = 0; i < n; i++) {
    if (text[i] == '"' || text[i] == '\\') put(w, '\\');
    put(w, text[i]);
  }
  put(w, '"');
}

static void put_int(writer *w, int64_t value) {
  char digits[20];
  uint8_t n = 0;
  uint64_t magnitude = value < 0 ? (uint64_t)(-(value + 1)) + 1u : (uint64_t)value;
  if (value < 0) put(w, '-');
  do {
    digits[n++] = (char)('0' + magnitude % 10u);
    magnitude /= 10u;
  } while (magnitude);
  while (n) put(w, digits[--n]);
}

/* A number as the encoder wrote it ("12.34", "-5.20", "0.0"): digits, one point, a leading minus. */
static int is_number(const char *text, uint16_t n) {
  uint16_t i = text[0] == '-' ? 1u : 0u;
  uint8_t digits = 0, points = 0;
  for (; i < n; i++) {
    if (text[i] == '.' && digits > 0 && !points) points = 1;
    else if (text[i] >= '0' && text[i] <= '9') digits++;
    else return 0;
  }
  return digits > 0 && text[n - 1] != '.';
}

const char *mt_msg_topic(mt_msg_kind kind) {
  switch (kind) {
    case MT_MSG_STATUS:
      return "status";
    case MT_MSG_CURRENT:
      return "current";
    case MT_MSG_CLIMATE:
      return "climate";
    case MT_MSG_ERROR:
      return "error";
    default:
      return 0;
  }
}

#define MAX_FIELDS 24

mt_msg_kind mt_line_fields(const char *line, char *out, uint16_t size) {
  writer w = {out, size, 0, 0};
  if (size) out[0] = '\0';
  /* M1,<seq>,<type>,<fields…>*<crc> */
  if (strncmp(line, "M1,", 3) != 0) return MT_MSG_NONE;
  const char *p = line + 3;
  while (*p >= '0' && *p <= '9') p++;
  if (*p != ',' || !p[1] || (p[2] != ',' && p[2] != '*')) return MT_MSG_NONE;
  char type = p[1];
  const char *body = p + 2;
  const char *star = strchr(body, '*');
  if (!star) return MT_MSG_NONE;
  /* The fields between the commas: start and length of each. */
  const char *field[MAX_FIELDS];
  uint16_t length[MAX_FIELDS];
  uint8_t n = 0;
  for (const char *f = body; f < star && *f == ',' && n < MAX_FIELDS; n++) {
    const char *end = f + 1;
    while (end < star && *end != ',') end++;
    field[n] = f + 1;
    length[n] = (uint16_t)(end - f - 1);
    f = end;
  }
  mt_msg_kind kind = MT_MSG_NONE;
  switch (type) {
    case 'I':
      if (n == 0) return MT_MSG_NONE;
      put_text(&w, "\"amps\":{");
      for (uint8_t i = 0; i < n; i++) {
        const char *eq = memchr(field[i], '=', length[i]);
        if (!eq) return MT_MSG_NONE;
        uint16_t id = (uint16_t)(eq - field[i]);
        if (!is_number(eq + 1, (uint16_t)(length[i] - id - 1))) return MT_MSG_NONE;
        if (i) put(&w, ',');
        put_string(&w, field[i], id);
        put(&w, ':');
        puts_n(&w, eq + 1, (uint16_t)(length[i] - id - 1));
      }
      put(&w, '}');
      kind = MT_MSG_CURRENT;
      break;
    case 'C':
      if (n != 3 || strncmp(field[1], "t=", 2) != 0 || strncmp(field[2], "h=", 2) != 0) return MT_MSG_NONE;
      if (!is_number(field[1] + 2, (uint16_t)(length[1] - 2)) || !is_number(field[2] + 2, (uint16_t)(length[2] - 2))) return MT_MSG_NONE;
      put_text(&w, "\"channel\":");
      put_string(&w, field[0], length[0]);
      put_text(&w, ",\"temperatureC\":");
      puts_n(&w, field[1] + 2, (uint16_t)(length[1] - 2));
      put_text(&w, ",\"humidityPct\":");
      puts_n(&w, field[2] + 2, (uint16_t)(length[2] - 2));
      kind = MT_MSG_CLIMATE;
      break;
    case 'X':
      if (n != 2) return MT_MSG_NONE;
      put_text(&w, "\"channel\":");
      put_string(&w, field[0], length[0]);
      put_text(&w, ",\"code\":");
      put_string(&w, field[1], length[1]);
      kind = MT_MSG_ERROR;
      break;
    case 'H': {
      if (n != 3) return MT_MSG_NONE;
      put_text(&w, "\"firmware\":");
      put_string(&w, field[1], length[1]);
      put_text(&w, ",\"channels\":[");
      /* id:I;id:C */
      const char *c = field[2];
      const char *end = field[2] + length[2];
      uint8_t first = 1;
      while (c < end) {
        const char *semi = c;
        while (semi < end && *semi != ';') semi++;
        const char *colon = memchr(c, ':', (size_t)(semi - c));
        if (!colon || colon + 2 != semi || (colon[1] != 'I' && colon[1] != 'C')) return MT_MSG_NONE;
        if (!first) put(&w, ',');
        first = 0;
        put_text(&w, "{\"id\":");
        put_string(&w, c, (uint16_t)(colon - c));
        put_text(&w, colon[1] == 'I' ? ",\"kind\":\"current\"}" : ",\"kind\":\"climate\"}");
        c = semi < end ? semi + 1 : end;
      }
      put(&w, ']');
      kind = MT_MSG_STATUS;
      break;
    }
    default:
      return MT_MSG_NONE;
  }
  if (w.full) {
    out[0] = '\0';
    return MT_MSG_NONE;
  }
  return kind;
}

uint16_t mt_msg_payload(mt_msg_kind kind, int64_t ts, uint16_t seq, const char *fields, char *out, uint16_t size) {
  writer w = {out, size, 0, 0};
  if (kind == MT_MSG_STATUS) {
    put_text(&w, "{\"online\":true,\"ts\":");
    put_int(&w, ts);
  } else {
    put_text(&w, "{\"ts\":");
    put_int(&w, ts);
    put_text(&w, ",\"seq\":");
    put_int(&w, seq);
  }
  if (fields[0]) put(&w, ',');
  put_text(&w, fields);
  put(&w, '}');
  return w.full ? 0 : w.length;
}

int mt_clock_ts(const char *payload, uint16_t length, int64_t *ts) {
  static const char key[] = "\"ts\"";
  for (uint16_t i = 0; i + sizeof key - 1u <= length; i++) {
    if (memcmp(payload + i, key, sizeof key - 1u) != 0) continue;
    uint16_t j = (uint16_t)(i + sizeof key - 1u);
    while (j < length && (payload[j] == ' ' || payload[j] == ':')) j++;
    int64_t value = 0;
    uint8_t digits = 0;
    while (j < length && payload[j] >= '0' && payload[j] <= '9' && digits < 18) {
      value = value * 10 + (payload[j++] - '0');
      digits++;
    }
    if (digits == 0) return 0;
    *ts = value;
    return 1;
  }
  return 0;
}
