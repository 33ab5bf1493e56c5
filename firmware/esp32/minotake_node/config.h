// What this ESP32 / M5Stack node is. Edit before building (see firmware/README.md).
#pragma once

#define NODE_ID "node-a"
#define FIRMWARE_VERSION "1.0.0"

// CT inputs: ADC1 pins only (ADC2 stops working while Wi-Fi is on).
//   ESP32 DevKit: 36 (VP), 39 (VN), 34, 35.  M5Stack Core (Basic/Gray): 35 and 36 on the bus header.
#define CT_COUNT 2
static const uint8_t CT_PINS[] = {36, 35, 34, 39};
// Amperes per volt at the pin (CT ratio / burden ohms, or a voltage-output CT's rating); calibrate on site.
static const float CT_AMPS_PER_VOLT[] = {30.0f, 30.0f, 30.0f, 30.0f};
// The ESP32's ADC at 11 dB attenuation, 12 bits: 3.3 V nominal full scale. It is not linear near the rails; a bias at
// mid-rail (1.65 V) with at most ±1 V of CT signal stays in its straight part.
#define ADC_VOLTS_PER_COUNT (3.3f / 4096.0f)

// SHT31 on I²C (M5Stack Grove port A and the DevKit's usual pins): SDA 21, SCL 22. 0 = no climate sensor.
#define CLIMATE 1
#define I2C_SDA 21
#define I2C_SCL 22
