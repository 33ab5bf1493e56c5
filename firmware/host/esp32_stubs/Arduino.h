// Host stand-ins for the parts of Arduino-ESP32 3.x that wifi_transport.h uses: declarations only, enough for
// `make esp32-check` to type-check the sketch's Wi-Fi transport with g++ (this machine has no ESP32 compiler).
#pragma once
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t millis();
void *ps_malloc(size_t size);

typedef void *QueueHandle_t;
typedef int BaseType_t;
#define pdTRUE 1
QueueHandle_t xQueueCreate(unsigned length, unsigned item_size);
BaseType_t xQueueSend(QueueHandle_t queue, const void *item, unsigned ticks);
BaseType_t xQueueReceive(QueueHandle_t queue, void *item, unsigned ticks);

#define SERIAL_8N1 0x800001c
class HardwareSerial {
 public:
  void begin(unsigned long baud, uint32_t config);
  size_t write(const uint8_t *data, size_t length);
};
