/*
 * Sensirion SHT3x (SHT30/31/35) temperature and humidity: the single-shot command, the CRC-8 that guards each word,
 * and the conversion of a 6-byte measurement to the protocol's fixed-point units. The I²C transfer itself is the board's.
 */
#ifndef MINOTAKE_SHT3X_H
#define MINOTAKE_SHT3X_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 7-bit address with ADDR tied low (0x45 with ADDR high). */
#define MT_SHT3X_ADDRESS 0x44
/* Single shot, high repeatability, no clock stretching: the AVR's TWI need not tolerate a held clock. */
#define MT_SHT3X_MEASURE_HIGH 0x2400u
/* The datasheet's longest high-repeatability measurement is 15.5 ms; wait a little more before reading. */
#define MT_SHT3X_MEASURE_MS 20u

typedef enum {
  MT_SHT3X_OK = 0,
  MT_SHT3X_CRC,   /* a word's CRC-8 did not match: a disturbed bus */
  MT_SHT3X_RANGE  /* the words convert to a reading the sensor cannot produce */
} mt_sht3x_status;

/* CRC-8: polynomial 0x31, init 0xFF, no reflection, no final XOR. mt_sht3x_crc8({0xBE, 0xEF}) == 0x92. */
uint8_t mt_sht3x_crc8(const uint8_t *data, uint8_t length);

/*
 * The measurement's 6 bytes (T msb, T lsb, CRC, RH msb, RH lsb, CRC) to hundredths of a degree Celsius and tenths of a
 * percent, rounded. T = -45 + 175 * raw / 65535, RH = 100 * raw / 65535 (datasheet section 4.13), in integers.
 */
mt_sht3x_status mt_sht3x_convert(const uint8_t bytes[6], int32_t *centi_c, int32_t *deci_pct);

/* The two command bytes, most significant first. */
static inline uint8_t mt_sht3x_command_msb(uint16_t command) { return (uint8_t)(command >> 8); }
static inline uint8_t mt_sht3x_command_lsb(uint16_t command) { return (uint8_t)(command & 0xFF); }

#ifdef __cplusplus
}
#endif
#endif
