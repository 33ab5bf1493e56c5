/* The Minotake sensor node on an ATmega328P (Arduino Nano / Uno): up to 4 CTs and an SHT31, protocol v1 on the USB serial. */
#include <avr/interrupt.h>
#include <avr/sleep.h>
#include <avr/wdt.h>

#include "../core/node.h"
#include "../core/sht3x.h"
#include "config.h"
#include "sampler.h"
#include "twi.h"
#include "uart.h"

static void write_line(const char *text, uint8_t length, void *context) {
  (void)context;
  uart_write(text, length);
}

#define VOLTS_PER_COUNT (VREF_VOLTS / 1024.0f)

static const mt_node_config config = {
    .node_id = NODE_ID,
    .firmware = FIRMWARE_VERSION,
    .ct_count = CT_COUNT,
    .ct_ids = {"ct1", "ct2", "ct3", "ct4"},
    .ct_scale =
        {
            {1023, VOLTS_PER_COUNT, CT1_AMPS_PER_VOLT},
            {1023, VOLTS_PER_COUNT, CT2_AMPS_PER_VOLT},
            {1023, VOLTS_PER_COUNT, CT3_AMPS_PER_VOLT},
            {1023, VOLTS_PER_COUNT, CT4_AMPS_PER_VOLT},
        },
    .climate_id = CLIMATE ? "env1" : 0,
    .write = write_line,
};

static mt_node node;

#if CLIMATE
/*
 * A measurement in steps, each a non-blocking I²C transfer, so the 20 ms the sensor needs are spent sampling:
 * send the command, wait, read 6 bytes. Any step that fails becomes an `X` line; the next attempt starts fresh.
 */
typedef enum { CLIMATE_IDLE, CLIMATE_COMMAND, CLIMATE_WAIT, CLIMATE_READ } climate_step;
/* Far longer than a transfer at 100 kHz (under 1 ms): past this the bus is stuck. */
#define TWI_TIMEOUT_MS 25u

static climate_step step;
static uint32_t step_since;
static uint8_t command[2] = {MT_SHT3X_MEASURE_HIGH >> 8, MT_SHT3X_MEASURE_HIGH & 0xFF};
static uint8_t reading[6];

static void climate_start(uint32_t now) {
  /* A measurement still running when the next is due: the bus or the sensor is stuck. */
  if (step != CLIMATE_IDLE) twi_abort();
  twi_begin_write(MT_SHT3X_ADDRESS, command, sizeof command);
  step = CLIMATE_COMMAND;
  step_since = now;
}

static void climate_poll(uint32_t now) {
  if (step == CLIMATE_IDLE) return;
  if (step == CLIMATE_WAIT) {
    if (now - step_since < MT_SHT3X_MEASURE_MS) return;
    twi_begin_read(MT_SHT3X_ADDRESS, reading, sizeof reading);
    step = CLIMATE_READ;
    step_since = now;
    return;
  }
  twi_result r = twi_result_now();
  if (r == TWI_BUSY) {
    if (now - step_since < TWI_TIMEOUT_MS) return;
    twi_abort();
    r = TWI_BUS;
  }
  if (r == TWI_OK && step == CLIMATE_COMMAND) {
    step = CLIMATE_WAIT;
    step_since = now;
    return;
  }
  step = CLIMATE_IDLE;
  if (r == TWI_OK) mt_node_climate_bytes(&node, reading);
  else mt_node_sensor_error(&node, config.climate_id, r == TWI_NACK ? MT_ERROR_I2C_NACK : MT_ERROR_I2C_BUS);
}
#endif

int main(void) {
  /* A hung loop (a bus that never answers, a bug) resets the node after 2 s instead of leaving a silent one.
     The hello after the reset (sequence 0) tells the kit that it happened. */
  wdt_enable(WDTO_2S);
  uart_start();
#if CLIMATE
  twi_start();
#endif
  sampler_start(CT_COUNT);
  sei();
  mt_node_start(&node, &config, sampler_millis());
  set_sleep_mode(SLEEP_MODE_IDLE);

  mt_ct_window windows[SAMPLER_SLOTS];
  for (;;) {
    wdt_reset();
    if (sampler_take(windows)) mt_node_ct_windows(&node, windows);
    uint32_t now = sampler_millis();
    uint8_t due = mt_node_poll(&node, now);
#if CLIMATE
    if (due & MT_DUE_CLIMATE) climate_start(now);
    climate_poll(now);
#else
    (void)due;
#endif
    /* Until the next interrupt (at most 100 us away): the sampling timer wakes the loop. */
    sleep_mode();
  }
}
