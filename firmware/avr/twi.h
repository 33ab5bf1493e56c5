/* I²C master on the ATmega328P's TWI at 100 kHz, interrupt-driven: the main loop starts a transfer and comes back for the
   result, so a slow or dead sensor never holds up the lines. (Also the only way that works in simavr 1.6, which does not
   let a polling driver clear TWINT.) */
#ifndef MINOTAKE_TWI_H
#define MINOTAKE_TWI_H

#include <stdint.h>

typedef enum {
  TWI_BUSY = 0,
  TWI_OK,
  TWI_NACK, /* no device acknowledged the address (or a data byte) */
  TWI_BUS   /* arbitration lost, a bus error, or no answer in time (twi_abort) */
} twi_result;

void twi_start(void);
/* Start a transfer; `data` must stay valid until it is done. */
void twi_begin_write(uint8_t address, const uint8_t *data, uint8_t length);
void twi_begin_read(uint8_t address, uint8_t *data, uint8_t length);
/* TWI_BUSY until the transfer is over. */
twi_result twi_result_now(void);
/* A transfer that takes too long (SDA held low by a crashed sensor): reset the TWI and report TWI_BUS. */
void twi_abort(void);

#endif
