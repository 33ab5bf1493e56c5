// Host stand-in: the WiFi object's calls that wifi_transport.h makes (see Arduino.h here).
#pragma once
typedef enum { WIFI_STA = 1 } wifi_mode_t;
class WiFiClass {
 public:
  bool mode(wifi_mode_t);
  bool setSleep(bool);
  bool setAutoReconnect(bool);
  int begin(const char *ssid, const char *password);
};
extern WiFiClass WiFi;
