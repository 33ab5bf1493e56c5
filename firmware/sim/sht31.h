/*
 * A Sensirion SHT31 on simavr's TWI bus, as the datasheet describes it: it acknowledges address 0x44, takes the
 * single-shot command 0x2400, needs 12.5 ms to measure (a read header before that is not acknowledged, as on the real
 * part in no-stretch mode), then gives T and RH with their CRC-8. A test can set the climate and make it stop answering.
 * Written from the datasheet, sharing no code with the firmware it tests.
 */
#ifndef MINOTAKE_SIM_SHT31_H
#define MINOTAKE_SIM_SHT31_H

#include <sim_avr.h>
#include <stdint.h>

typedef struct {
  avr_t *avr;
  avr_irq_t *irq;
  double temperature_c;
  double humidity_pct;
  int answering;           /* 0: the sensor is gone (unplugged, dead): every address byte goes unacknowledged */
  int selected;            /* addressed since the last START */
  uint8_t command[2];
  uint8_t command_bytes;
  uint8_t data[6];
  uint8_t data_index;
  avr_cycle_count_t ready_at; /* cycle at which the measurement is done; 0 = none pending */
  int have_data;
  unsigned measurements;   /* completed reads, for the harness's status */
} sht31;

void sht31_attach(sht31 *s, avr_t *avr);

#endif
