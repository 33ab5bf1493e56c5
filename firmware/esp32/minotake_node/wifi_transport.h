// The node's Wi-Fi mode: MQTT to the kit's broker with the node's own account (over TLS where the kit offers it), with
// the readings kept in a ring while the link is down and sent oldest first when it is back, each with the kit's time
// of measuring. Everything that decides what goes out and when is the portable core's uplink (firmware/core/uplink.h,
// tested on the host); this class only joins it to the ESP32's Wi-Fi and to ESP-IDF's MQTT client (esp-mqtt).
//
// esp-mqtt runs in its own FreeRTOS task and calls back from there; the uplink belongs to loop(). So the callbacks only
// put small events in a queue (connected, disconnected, a PUBACK, a clock message with the millis() it arrived at) and
// poll() hands them to the uplink from loop().
#pragma once
#include <Arduino.h>
#include <WiFi.h>
#include <mqtt_client.h>

#include "config.h"
#include "transport.h"

#include <uplink.h>

class WifiTransport : public LineTransport {
 public:
  void begin() override {
    uint8_t *ring = nullptr;
#if defined(BOARD_HAS_PSRAM)
    ring = static_cast<uint8_t *>(ps_malloc(RING_BYTES));
#endif
    if (!ring) ring = static_cast<uint8_t *>(malloc(RING_BYTES));
    mt_uplink_init(&uplink_, ring, ring ? RING_BYTES : 0, publish, this, millis());
    events_ = xQueueCreate(64, sizeof(LinkEvent));

    snprintf(base_, sizeof base_, "minotake/v1/%s/node/%s/", KIT_ID, NODE_ID);
    snprintf(clockTopic_, sizeof clockTopic_, "%sclock", base_);
    snprintf(willTopic_, sizeof willTopic_, "%sstatus", base_);

    WiFi.mode(WIFI_STA);
    // Mains powered: no modem sleep, so that a clock message is not held back by a sleeping radio.
    WiFi.setSleep(false);
    WiFi.setAutoReconnect(true);
    WiFi.begin(WIFI_SSID, WIFI_PASSWORD);

    esp_mqtt_client_config_t cfg = {};
    cfg.broker.address.uri = MQTT_URI;
    // mqtts://: the kit's certificate (or the CA that signed it), as PEM in config.h. Its name must match the host in
    // MQTT_URI (put the kit's address in the certificate's subjectAltName, docs/wiring-wifi-node.md).
    if (strncmp(MQTT_URI, "mqtts://", 8) == 0) cfg.broker.verification.certificate = KIT_CA_PEM;
    cfg.credentials.username = MQTT_USERNAME;
    cfg.credentials.authentication.password = MQTT_PASSWORD;
    cfg.credentials.client_id = "minotake-node-" NODE_ID;
    // The broker stamps a will with the time it fires it, so the ts here does not matter.
    cfg.session.last_will.topic = willTopic_;
    cfg.session.last_will.msg = "{\"online\":false,\"ts\":0,\"reason\":\"connection lost\"}";
    cfg.session.last_will.qos = 1;
    cfg.session.last_will.retain = 1;
    // A dead link is noticed within about 1.5 keepalives; the ring covers the time until then.
    cfg.session.keepalive = 10;
    cfg.network.reconnect_timeout_ms = 2000;
    cfg.network.timeout_ms = 5000;
    cfg.buffer.size = 1024;
    client_ = esp_mqtt_client_init(&cfg);
    esp_mqtt_client_register_event(client_, MQTT_EVENT_ANY, onEvent, this);
    esp_mqtt_client_start(client_);
  }

  // A line of the core: a hello becomes the status, a reading goes into the ring.
  void send(const char *line, uint8_t) override { mt_uplink_line(&uplink_, line, millis()); }

  void poll() override {
    LinkEvent event;
    while (xQueueReceive(events_, &event, 0) == pdTRUE) {
      switch (event.type) {
        case LINK_UP:
          mt_uplink_connected(&uplink_, 1);
          break;
        case LINK_DOWN:
          mt_uplink_connected(&uplink_, 0);
          break;
        case LINK_ACKED:
          mt_uplink_acked(&uplink_, event.id);
          break;
        case LINK_CLOCK:
          mt_uplink_clock(&uplink_, event.data, event.length, event.at);
          break;
      }
    }
    mt_uplink_poll(&uplink_, millis());
  }

  // For a status line on the USB serial: readings waiting, dropped, acknowledged.
  const mt_uplink &state() const { return uplink_; }

 private:
  enum : uint8_t { LINK_UP, LINK_DOWN, LINK_ACKED, LINK_CLOCK };
  struct LinkEvent {
    uint8_t type;
    int id;
    uint32_t at;  // millis() when a clock message arrived: its age is part of the estimate
    uint16_t length;
    char data[48];
  };

  static int publish(void *context, const char *suffix, const char *payload, uint16_t length, uint8_t retain) {
    auto *self = static_cast<WifiTransport *>(context);
    char topic[sizeof self->base_ + 8];
    snprintf(topic, sizeof topic, "%s%s", self->base_, suffix);
    // Non-blocking: the message goes to esp-mqtt's outbox and out from its task; the PUBACK comes back as an event.
    int id = esp_mqtt_client_enqueue(self->client_, topic, payload, length, 1, retain, true);
    return id < 0 ? -1 : id;
  }

  static void onEvent(void *context, esp_event_base_t, int32_t id, void *data) {
    auto *self = static_cast<WifiTransport *>(context);
    auto *event = static_cast<esp_mqtt_event_handle_t>(data);
    LinkEvent out = {};
    switch (static_cast<esp_mqtt_event_id_t>(id)) {
      case MQTT_EVENT_CONNECTED:
        // The clock first: the kit answers a subscription with its time at once.
        esp_mqtt_client_subscribe(self->client_, self->clockTopic_, 0);
        out.type = LINK_UP;
        break;
      case MQTT_EVENT_DISCONNECTED:
        out.type = LINK_DOWN;
        break;
      case MQTT_EVENT_PUBLISHED:
        out.type = LINK_ACKED;
        out.id = event->msg_id;
        break;
      case MQTT_EVENT_DATA:
        if (event->topic_len != static_cast<int>(strlen(self->clockTopic_)) ||
            strncmp(event->topic, self->clockTopic_, event->topic_len) != 0 || event->data_len >= static_cast<int>(sizeof out.data))
          return;
        out.type = LINK_CLOCK;
        out.at = millis();
        out.length = static_cast<uint16_t>(event->data_len);
        memcpy(out.data, event->data, event->data_len);
        break;
      default:
        return;
    }
    xQueueSend(self->events_, &out, 0);
  }

  mt_uplink uplink_;
  QueueHandle_t events_ = nullptr;
  esp_mqtt_client_handle_t client_ = nullptr;
  char base_[96];
  char clockTopic_[104];
  char willTopic_[104];
};
