#include "twi.h"

#include <avr/interrupt.h>
#include <avr/io.h>
#include <util/atomic.h>
#include <util/twi.h>

#define TWI_HZ 100000UL
#define GO (_BV(TWINT) | _BV(TWEN) | _BV(TWIE))

static uint8_t sla;
static uint8_t *buffer;
static uint8_t length, index;
static volatile twi_result result = TWI_OK;

void twi_start(void) {
  TWSR = 0; /* prescaler 1 */
  TWBR = (uint8_t)((F_CPU / TWI_HZ - 16UL) / 2UL);
  TWCR = _BV(TWEN);
}

static void begin(uint8_t address_byte, uint8_t *data, uint8_t count) {
  /* A STOP from the last transfer may still be on the bus. */
  for (uint16_t n = 0; n < 1000u && (TWCR & _BV(TWSTO)); n++) {
  }
  sla = address_byte;
  buffer = data;
  length = count;
  index = 0;
  result = TWI_BUSY;
  TWCR = GO | _BV(TWSTA);
}

void twi_begin_write(uint8_t address, const uint8_t *data, uint8_t count) {
  begin((uint8_t)(address << 1), (uint8_t *)data, count);
}

void twi_begin_read(uint8_t address, uint8_t *data, uint8_t count) { begin((uint8_t)((address << 1) | 1u), data, count); }

twi_result twi_result_now(void) { return result; }

void twi_abort(void) {
  ATOMIC_BLOCK(ATOMIC_RESTORESTATE) {
    TWCR = 0;
    twi_start();
    result = TWI_BUS;
  }
}

static void finish(twi_result r) {
  TWCR = _BV(TWINT) | _BV(TWEN) | _BV(TWSTO);
  result = r;
}

ISR(TWI_vect) {
  switch (TW_STATUS) {
    case TW_START:
    case TW_REP_START:
      TWDR = sla;
      TWCR = GO;
      break;
    /* simavr 1.6 reports the address byte of a write as a data byte (TW_MT_DATA_ACK): both mean "send the next". */
    case TW_MT_SLA_ACK:
    case TW_MT_DATA_ACK:
      if (index < length) {
        TWDR = buffer[index++];
        TWCR = GO;
      } else {
        finish(TWI_OK);
      }
      break;
    case TW_MR_SLA_ACK:
      /* ACK every byte but the last: the NACK tells the sensor the master has read enough. */
      TWCR = (uint8_t)(GO | (length > 1 ? _BV(TWEA) : 0));
      break;
    case TW_MR_DATA_ACK:
      buffer[index++] = TWDR;
      TWCR = (uint8_t)(GO | (index + 1u < length ? _BV(TWEA) : 0));
      break;
    case TW_MR_DATA_NACK:
      buffer[index++] = TWDR;
      finish(TWI_OK);
      break;
    case TW_MT_SLA_NACK:
    case TW_MR_SLA_NACK:
    case TW_MT_DATA_NACK:
      finish(TWI_NACK);
      break;
    default: /* arbitration lost, bus error */
      finish(TWI_BUS);
      break;
  }
}
