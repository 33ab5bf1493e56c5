// Host stand-in: the part of ESP-IDF 5.x's esp-mqtt (components/mqtt/esp-mqtt/include/mqtt_client.h) that
// wifi_transport.h uses, with the same names and nesting, so that a misspelt field fails `make esp32-check`.
#pragma once
#include <stddef.h>
#include <stdint.h>
typedef const char *esp_event_base_t;
typedef int esp_err_t;
typedef void (*esp_event_handler_t)(void *arg, esp_event_base_t base, int32_t id, void *data);
typedef struct esp_mqtt_client *esp_mqtt_client_handle_t;
typedef enum esp_mqtt_event_id_t {
  MQTT_EVENT_ANY = -1,
  MQTT_EVENT_ERROR = 0,
  MQTT_EVENT_CONNECTED,
  MQTT_EVENT_DISCONNECTED,
  MQTT_EVENT_SUBSCRIBED,
  MQTT_EVENT_UNSUBSCRIBED,
  MQTT_EVENT_PUBLISHED,
  MQTT_EVENT_DATA,
} esp_mqtt_event_id_t;
typedef struct esp_mqtt_event_t {
  esp_mqtt_event_id_t event_id;
  esp_mqtt_client_handle_t client;
  char *data;
  int data_len;
  int total_data_len;
  int current_data_offset;
  char *topic;
  int topic_len;
  int msg_id;
  int session_present;
  bool retain;
  int qos;
  bool dup;
} esp_mqtt_event_t;
typedef esp_mqtt_event_t *esp_mqtt_event_handle_t;
typedef struct esp_mqtt_client_config_t {
  struct broker_t {
    struct address_t {
      const char *uri;
      const char *hostname;
      const char *path;
      uint32_t port;
    } address;
    struct verification_t {
      bool use_global_ca_store;
      const char *certificate;
      size_t certificate_len;
      bool skip_cert_common_name_check;
      const char *common_name;
    } verification;
  } broker;
  struct credentials_t {
    const char *username;
    const char *client_id;
    bool set_null_client_id;
    struct authentication_t {
      const char *password;
    } authentication;
  } credentials;
  struct session_t {
    struct last_will_t {
      const char *topic;
      const char *msg;
      int msg_len;
      int qos;
      int retain;
    } last_will;
    bool disable_clean_session;
    int keepalive;
    bool disable_keepalive;
    int message_retransmit_timeout;
  } session;
  struct network_t {
    int reconnect_timeout_ms;
    int timeout_ms;
    int refresh_connection_after_ms;
    bool disable_auto_reconnect;
  } network;
  struct buffer_t {
    int size;
    int out_size;
  } buffer;
} esp_mqtt_client_config_t;
esp_mqtt_client_handle_t esp_mqtt_client_init(const esp_mqtt_client_config_t *config);
esp_err_t esp_mqtt_client_start(esp_mqtt_client_handle_t client);
esp_err_t esp_mqtt_client_register_event(esp_mqtt_client_handle_t client, esp_mqtt_event_id_t event, esp_event_handler_t handler, void *arg);
int esp_mqtt_client_subscribe_single(esp_mqtt_client_handle_t client, const char *topic, int qos);
#define esp_mqtt_client_subscribe esp_mqtt_client_subscribe_single
int esp_mqtt_client_enqueue(esp_mqtt_client_handle_t client, const char *topic, const char *data, int len, int qos, int retain, bool store);
