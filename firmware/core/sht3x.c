#include "sht3x.h"

#include "protocol.h"

uint8_t mt_sht3x_crc8(const uint8_t *data, uint8_t length) {
  uint8_t crc = 0xFF;
  for (uint8_t i = 0; i < length; i++) {
    crc ^= data[i];
    for (uint8_t bit = 0; bit < 8; bit++) crc = (crc & 0x80) ? (uint8_t)((crc << 1) ^ 0x31) : (uint8_t)(crc << 1);
  }
  return crc;
}

/* round(numerator / 65535) for a non-negative numerator. */
static int32_t div_round(uint32_t numerator) { return (int32_t)((numerator + 32767u) / 65535u); }

mt_sht3x_status mt_sht3x_convert(const uint8_t bytes[6], int32_t *centi_c, int32_t *deci_pct) {
  if (mt_sht3x_crc8(bytes, 2) != bytes[2] || mt_sht3x_crc8(bytes + 3, 2) != bytes[5]) return MT_SHT3X_CRC;
  uint32_t raw_t = ((uint32_t)bytes[0] << 8) | bytes[1];
  uint32_t raw_h = ((uint32_t)bytes[3] << 8) | bytes[4];
  /* 17500 * 65535 fits 32 bits; -4500 is added after rounding the positive part. */
  *centi_c = div_round(17500u * raw_t) - 4500;
  *deci_pct = div_round(1000u * raw_h);
  /* The sensor's range is -40..125 °C; its formula reaches -45..130, which only a broken sensor produces. */
  if (*centi_c < MT_CENTI_C_MIN || *centi_c > MT_CENTI_C_MAX) return MT_SHT3X_RANGE;
  return MT_SHT3X_OK;
}
