#include "protocol.h"

#include "crc16.h"

/* Room kept for "*XXXX\r\n" and the NUL behind the body. */
#define BODY_MAX (MT_LINE_MAX - 5)

static void put_char(mt_line *line, char c) {
  if (line->status != MT_OK) return;
  if (line->length >= BODY_MAX) {
    line->status = MT_ERR_TOO_LONG;
    return;
  }
  line->text[line->length++] = c;
}

static void put_text(mt_line *line, const char *text) {
  while (*text) put_char(line, *text++);
}

static void put_unsigned(mt_line *line, uint32_t value) {
  char digits[10];
  uint8_t n = 0;
  do {
    digits[n++] = (char)('0' + value % 10u);
    value /= 10u;
  } while (value);
  while (n) put_char(line, digits[--n]);
}

/* A fixed-point value like printf("%.*f"): 1234 with 2 decimals is "12.34". Never "-0.00": a zero has no sign. */
static void put_fixed(mt_line *line, int32_t value, uint8_t decimals) {
  uint32_t scale = 1;
  for (uint8_t i = 0; i < decimals; i++) scale *= 10u;
  uint32_t magnitude = value < 0 ? (uint32_t)(-(value + 1)) + 1u : (uint32_t)value;
  if (value < 0) put_char(line, '-');
  put_unsigned(line, magnitude / scale);
  if (decimals == 0) return;
  put_char(line, '.');
  uint32_t fraction = magnitude % scale;
  for (uint32_t digit = scale / 10u; digit; digit /= 10u) put_char(line, (char)('0' + (fraction / digit) % 10u));
}

static void fail(mt_line *line, mt_status status) {
  if (line->status == MT_OK) line->status = status;
}

int mt_valid_id(const char *id) {
  uint8_t n = 0;
  for (; id[n]; n++) {
    char c = id[n];
    int lower_or_digit = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!lower_or_digit && (n == 0 || (c != '_' && c != '-'))) return 0;
    if (n >= 32) return 0;
  }
  return n > 0;
}

/* Printable ASCII without the two separators, for the firmware version. */
static int valid_text(const char *text) {
  if (!*text) return 0;
  for (; *text; text++)
    if (*text < 0x20 || *text > 0x7e || *text == ',' || *text == '*') return 0;
  return 1;
}

static int valid_code(const char *code) {
  uint8_t n = 0;
  for (; code[n]; n++) {
    char c = code[n];
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') || n >= 24) return 0;
  }
  return n > 0;
}

static void put_id(mt_line *line, const char *id) {
  if (!mt_valid_id(id)) fail(line, MT_ERR_BAD_ID);
  put_text(line, id);
}

static void begin(mt_line *line, uint16_t seq, char type) {
  line->length = 0;
  line->status = MT_OK;
  put_text(line, "M1,");
  put_unsigned(line, seq);
  put_char(line, ',');
  put_char(line, type);
}

static const char HEX[] = "0123456789ABCDEF";

static mt_status end(mt_line *line) {
  if (line->status != MT_OK) {
    line->length = 0;
    line->text[0] = '\0';
    return line->status;
  }
  uint16_t crc = mt_crc16(line->text, line->length);
  char *p = line->text + line->length;
  *p++ = '*';
  for (int8_t shift = 12; shift >= 0; shift -= 4) *p++ = HEX[(crc >> shift) & 0xF];
  line->length += 5;
  *p++ = '\r';
  *p++ = '\n';
  *p = '\0';
  return MT_OK;
}

mt_status mt_encode_hello(mt_line *line, uint16_t seq, const char *node_id, const char *firmware, const mt_channel *channels,
                          uint8_t count) {
  begin(line, seq, 'H');
  put_char(line, ',');
  put_id(line, node_id);
  put_char(line, ',');
  if (!valid_text(firmware)) fail(line, MT_ERR_BAD_TEXT);
  put_text(line, firmware);
  put_char(line, ',');
  for (uint8_t i = 0; i < count; i++) {
    if (i) put_char(line, ';');
    put_id(line, channels[i].id);
    put_char(line, ':');
    if (channels[i].kind != MT_KIND_CURRENT && channels[i].kind != MT_KIND_CLIMATE) fail(line, MT_ERR_BAD_TEXT);
    put_char(line, (char)channels[i].kind);
  }
  return end(line);
}

mt_status mt_encode_current(mt_line *line, uint16_t seq, const char *const *ids, const int32_t *centiamps, uint8_t count) {
  begin(line, seq, 'I');
  if (count == 0) fail(line, MT_ERR_RANGE);
  for (uint8_t i = 0; i < count; i++) {
    put_char(line, ',');
    put_id(line, ids[i]);
    put_char(line, '=');
    if (centiamps[i] < 0 || centiamps[i] > MT_CENTIAMPS_MAX) fail(line, MT_ERR_RANGE);
    put_fixed(line, centiamps[i], 2);
  }
  return end(line);
}

mt_status mt_encode_climate(mt_line *line, uint16_t seq, const char *id, int32_t centi_c, int32_t deci_pct) {
  begin(line, seq, 'C');
  put_char(line, ',');
  put_id(line, id);
  if (centi_c < MT_CENTI_C_MIN || centi_c > MT_CENTI_C_MAX || deci_pct < 0 || deci_pct > MT_DECI_PCT_MAX) fail(line, MT_ERR_RANGE);
  put_text(line, ",t=");
  put_fixed(line, centi_c, 2);
  put_text(line, ",h=");
  put_fixed(line, deci_pct, 1);
  return end(line);
}

mt_status mt_encode_heartbeat(mt_line *line, uint16_t seq, uint32_t uptime_s) {
  begin(line, seq, 'B');
  put_char(line, ',');
  put_unsigned(line, uptime_s);
  return end(line);
}

mt_status mt_encode_error(mt_line *line, uint16_t seq, const char *id, const char *code) {
  begin(line, seq, 'X');
  put_char(line, ',');
  put_id(line, id);
  put_char(line, ',');
  if (!valid_code(code)) fail(line, MT_ERR_BAD_TEXT);
  put_text(line, code);
  return end(line);
}

mt_status mt_encode_count(mt_line *line, uint16_t seq, const char *id, uint32_t total, uint32_t last_part_age_ms) {
  begin(line, seq, 'P');
  put_char(line, ',');
  put_id(line, id);
  put_text(line, ",n=");
  put_unsigned(line, total);
  put_text(line, ",a=");
  put_unsigned(line, last_part_age_ms);
  return end(line);
}
