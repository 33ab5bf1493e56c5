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

// How the node reaches the kit (firmware/README.md): 0 = the USB cable (serial line protocol), 1 = the factory Wi-Fi
// (MQTT to the kit's broker with this node's account; the kit file lists it under sources.network with that account).
#ifndef TRANSPORT_WIFI  // or: arduino-cli compile --build-property compiler.cpp.extra_flags=-DTRANSPORT_WIFI=1
#define TRANSPORT_WIFI 0
#endif

#if TRANSPORT_WIFI
#define WIFI_SSID "factory-wifi"
#define WIFI_PASSWORD "change-me"
// The kit's broker: mqtts://<kit>:8883 with the kit's certificate below when the kit file has broker.tls (do that on a
// shared Wi-Fi), else mqtt://<kit>:1883. Use the name or address that is in the kit's certificate.
#define MQTT_URI "mqtts://192.168.1.20:8883"
#define KIT_ID "demo"
// The node's account in the kit file's broker.accounts (role: node, node: NODE_ID).
#define MQTT_USERNAME NODE_ID
#define MQTT_PASSWORD "change-me-too"
// The kit's certificate (broker.tls.cert), or the CA that signed it, as PEM.
static const char KIT_CA_PEM[] = R"PEM(-----BEGIN CERTIFICATE-----
paste the kit's certificate here
-----END CERTIFICATE-----
)PEM";
// Readings kept while the Wi-Fi is down: 64 KB is about 10 minutes of 4 CTs and a climate sensor (~110 bytes a
// second); a board with PSRAM (M5Stack Core2, Fire) can give it megabytes: hours.
#define RING_BYTES (64u * 1024u)
#endif
