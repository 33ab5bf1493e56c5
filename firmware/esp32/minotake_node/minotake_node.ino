// The Minotake sensor node on an ESP32 / M5Stack: up to 4 CTs and an SHT31; serial line protocol v1 on the USB serial,
// or the same readings over the factory Wi-Fi to the kit's MQTT broker (config.h: TRANSPORT_WIFI).
// The protocol, the RMS and the SHT3x conversion are the shared core (firmware/core, installed as the MinotakeCore
// library); this sketch only samples, talks I²C and hands lines to a transport.
//
// Sampling: a hardware timer at 10 kHz wakes a task on core 0 that reads one CT per tick (round-robin over 4 slots,
// 2.5 kHz per CT); every 100 ms the window goes to loop() through a queue. analogRead() is not allowed in an interrupt
// on the ESP32, hence the task.
#include <Arduino.h>
#include <Wire.h>

#include "config.h"
#include "transport.h"
#if TRANSPORT_WIFI
#include "wifi_transport.h"
#endif

#include <node.h>
#include <sht3x.h>

#if TRANSPORT_WIFI
static WifiTransport transport;
#else
static SerialTransport transport(Serial);
#endif
static mt_node node;
static mt_node_config config;
static const char *const CT_IDS[] = {"ct1", "ct2", "ct3", "ct4"};

static const uint32_t TICK_HZ = 10000;
static const uint8_t SLOTS = 4;
static const uint16_t TICKS_PER_WINDOW = TICK_HZ / 10;  // 100 ms: whole cycles at 50 and 60 Hz

struct Windows {
  mt_ct_window ct[SLOTS];
};
static QueueHandle_t windows;
static TaskHandle_t sampler;
static hw_timer_t *timer;

static void IRAM_ATTR onTick() {
  BaseType_t woken = pdFALSE;
  vTaskNotifyGiveFromISR(sampler, &woken);
  if (woken) portYIELD_FROM_ISR();
}

static void samplerTask(void *) {
  Windows filling;
  for (uint8_t i = 0; i < SLOTS; i++) mt_ct_reset(&filling.ct[i]);
  uint8_t slot = 0;
  uint16_t tick = 0;
  for (;;) {
    ulTaskNotifyTake(pdTRUE, portMAX_DELAY);
    if (slot < CT_COUNT) mt_ct_add(&filling.ct[slot], (uint16_t)analogRead(CT_PINS[slot]), 4095);
    if (++slot == SLOTS) slot = 0;
    if (++tick == TICKS_PER_WINDOW) {
      tick = 0;
      // loop() is late by a whole window only if something is badly wrong; drop rather than block the sampling.
      xQueueSend(windows, &filling, 0);
      for (uint8_t i = 0; i < SLOTS; i++) mt_ct_reset(&filling.ct[i]);
    }
  }
}

static void writeLine(const char *text, uint8_t length, void *) { transport.send(text, length); }

#if CLIMATE
// Single-shot measurement: command now, read 20 ms later, from loop() without blocking the sampling task.
static bool measuring = false;
static uint32_t measuredAt = 0;

static void climateStart(uint32_t now) {
  Wire.beginTransmission(MT_SHT3X_ADDRESS);
  Wire.write(mt_sht3x_command_msb(MT_SHT3X_MEASURE_HIGH));
  Wire.write(mt_sht3x_command_lsb(MT_SHT3X_MEASURE_HIGH));
  uint8_t r = Wire.endTransmission();
  if (r != 0) {
    // Wire: 2 = address NACK, 3 = data NACK, others = bus trouble or timeout.
    mt_node_sensor_error(&node, config.climate_id, (r == 2 || r == 3) ? MT_ERROR_I2C_NACK : MT_ERROR_I2C_BUS);
    return;
  }
  measuring = true;
  measuredAt = now;
}

static void climatePoll(uint32_t now) {
  if (!measuring || now - measuredAt < MT_SHT3X_MEASURE_MS) return;
  measuring = false;
  uint8_t bytes[6];
  if (Wire.requestFrom((uint8_t)MT_SHT3X_ADDRESS, (uint8_t)6) != 6) {
    mt_node_sensor_error(&node, config.climate_id, MT_ERROR_I2C_NACK);
    return;
  }
  for (uint8_t i = 0; i < 6; i++) bytes[i] = (uint8_t)Wire.read();
  mt_node_climate_bytes(&node, bytes);
}
#endif

void setup() {
  transport.begin();
  config.node_id = NODE_ID;
  config.firmware = FIRMWARE_VERSION;
  config.ct_count = CT_COUNT;
  for (uint8_t i = 0; i < CT_COUNT; i++) {
    config.ct_ids[i] = CT_IDS[i];
    config.ct_scale[i] = {4095, ADC_VOLTS_PER_COUNT, CT_AMPS_PER_VOLT[i]};
    analogSetPinAttenuation(CT_PINS[i], ADC_11db);
  }
  analogReadResolution(12);
#if CLIMATE
  config.climate_id = "env1";
  Wire.begin(I2C_SDA, I2C_SCL, 100000);
  Wire.setTimeOut(25);
#else
  config.climate_id = nullptr;
#endif
  config.write = writeLine;
  config.context = nullptr;

  windows = xQueueCreate(4, sizeof(Windows));
  xTaskCreatePinnedToCore(samplerTask, "ct-sampler", 4096, nullptr, configMAX_PRIORITIES - 1, &sampler, 0);
  // Arduino-ESP32 3.x timer API: a 1 MHz timer, an alarm every 100 ticks = 10 kHz.
  timer = timerBegin(1000000);
  timerAttachInterrupt(timer, &onTick);
  timerAlarm(timer, 1000000 / TICK_HZ, true, 0);

  mt_node_start(&node, &config, millis());
}

void loop() {
  Windows finished;
  while (xQueueReceive(windows, &finished, 0) == pdTRUE) mt_node_ct_windows(&node, finished.ct);
  uint32_t now = millis();
  uint8_t due = mt_node_poll(&node, now);
#if CLIMATE
  if (due & MT_DUE_CLIMATE) climateStart(now);
  climatePoll(now);
#else
  (void)due;
#endif
  transport.poll();
  delay(1);
}
