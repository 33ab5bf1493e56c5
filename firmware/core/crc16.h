/* CRC-16/CCITT-FALSE, the checksum at the end of every protocol v1 line (docs/protocol.md). */
#ifndef MINOTAKE_CRC16_H
#define MINOTAKE_CRC16_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MT_CRC16_INIT 0xFFFFu

/* Feeds one byte; start from MT_CRC16_INIT. Bitwise on purpose: a 512-byte table would not fit an ATmega's RAM budget. */
uint16_t mt_crc16_update(uint16_t crc, uint8_t byte);
/* The checksum of a whole buffer. mt_crc16("123456789", 9) == 0x29B1. */
uint16_t mt_crc16(const char *data, size_t length);

#ifdef __cplusplus
}
#endif
#endif
