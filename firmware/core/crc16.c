#include "crc16.h"

uint16_t mt_crc16_update(uint16_t crc, uint8_t byte) {
  crc ^= (uint16_t)byte << 8;
  for (uint8_t bit = 0; bit < 8; bit++) {
    /* MSB first, no reflection, no final XOR. */
    crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
  }
  return crc;
}

uint16_t mt_crc16(const char *data, size_t length) {
  uint16_t crc = MT_CRC16_INIT;
  for (size_t i = 0; i < length; i++) crc = mt_crc16_update(crc, (uint8_t)data[i]);
  return crc;
}
