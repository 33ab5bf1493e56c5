#include "sht31.h"

#include <avr_twi.h>
#include <math.h>
#include <string.h>

#define ADDRESS 0x44
#define MEASURE_SECONDS 0.0125

/* The datasheet's CRC-8 (0x31, init 0xFF), written out here so the model does not borrow the firmware's. */
static uint8_t crc8(uint8_t a, uint8_t b) {
  uint8_t bytes[2] = {a, b};
  uint8_t crc = 0xFF;
  for (int i = 0; i < 2; i++) {
    crc ^= bytes[i];
    for (int k = 0; k < 8; k++) crc = (uint8_t)((crc << 1) ^ ((crc & 0x80) ? 0x31 : 0x00));
  }
  return crc;
}

static uint16_t raw_of(double value, double offset, double span) {
  double raw = round((value + offset) / span * 65535.0);
  return (uint16_t)(raw < 0 ? 0 : raw > 65535 ? 65535 : raw);
}

static void measure(sht31 *s) {
  uint16_t t = raw_of(s->temperature_c, 45.0, 175.0);
  uint16_t h = raw_of(s->humidity_pct, 0.0, 100.0);
  uint8_t d[6] = {(uint8_t)(t >> 8), (uint8_t)t, 0, (uint8_t)(h >> 8), (uint8_t)h, 0};
  d[2] = crc8(d[0], d[1]);
  d[5] = crc8(d[3], d[4]);
  memcpy(s->data, d, 6);
  s->data_index = 0;
  s->have_data = 1;
}

static void ack(sht31 *s) { avr_raise_irq(s->irq + TWI_IRQ_INPUT, avr_twi_irq_msg(TWI_COND_ACK, (uint8_t)(ADDRESS << 1), 1)); }

static void on_bus(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  sht31 *s = (sht31 *)param;
  avr_twi_msg_irq_t m;
  m.u.v = value;
  if (m.u.twi.msg & TWI_COND_STOP) s->selected = 0;
  if (m.u.twi.msg & TWI_COND_START) {
    s->selected = 0;
    if (!s->answering || (m.u.twi.addr >> 1) != ADDRESS) return;
    int read = m.u.twi.addr & 1;
    if (read) {
      if (s->ready_at && s->avr->cycle >= s->ready_at) {
        measure(s);
        s->ready_at = 0;
      }
      /* No measurement finished: the real sensor does not acknowledge the read header. */
      if (!s->have_data) return;
    } else {
      s->command_bytes = 0;
    }
    s->selected = 1;
    ack(s);
    return;
  }
  if (!s->selected) return;
  if (m.u.twi.msg & TWI_COND_WRITE) {
    ack(s);
    if (s->command_bytes < 2) s->command[s->command_bytes++] = m.u.twi.data;
    if (s->command_bytes == 2 && s->command[0] == 0x24 && s->command[1] == 0x00) {
      s->have_data = 0;
      s->ready_at = s->avr->cycle + (avr_cycle_count_t)(MEASURE_SECONDS * s->avr->frequency);
    }
  }
  if (m.u.twi.msg & TWI_COND_READ) {
    uint8_t byte = s->data_index < 6 ? s->data[s->data_index++] : 0xFF;
    if (s->data_index == 6 && s->have_data) {
      /* A measurement is read once; the next read needs a new command. */
      s->have_data = 0;
      s->measurements++;
    }
    avr_raise_irq(s->irq + TWI_IRQ_INPUT, avr_twi_irq_msg(TWI_COND_READ, (uint8_t)((ADDRESS << 1) | 1), byte));
  }
}

static const char *irq_names[2] = {[TWI_IRQ_INPUT] = "8>sht31.out", [TWI_IRQ_OUTPUT] = "32<sht31.in"};

void sht31_attach(sht31 *s, avr_t *avr) {
  memset(s, 0, sizeof *s);
  s->avr = avr;
  s->answering = 1;
  s->temperature_c = 25.0;
  s->humidity_pct = 50.0;
  s->irq = avr_alloc_irq(&avr->irq_pool, 0, 2, irq_names);
  avr_irq_register_notify(s->irq + TWI_IRQ_OUTPUT, on_bus, s);
  avr_connect_irq(s->irq + TWI_IRQ_INPUT, avr_io_getirq(avr, AVR_IOCTL_TWI_GETIRQ(0), TWI_IRQ_INPUT));
  avr_connect_irq(avr_io_getirq(avr, AVR_IOCTL_TWI_GETIRQ(0), TWI_IRQ_OUTPUT), s->irq + TWI_IRQ_OUTPUT);
}
