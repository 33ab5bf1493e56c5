// Where the node's protocol lines go: the USB cable to the kit (SerialTransport, here), or the factory Wi-Fi
// (WifiTransport in wifi_transport.h: MQTT to the kit's broker with the node's own account, lines kept in a ring while
// the network is down). config.h's TRANSPORT_WIFI chooses; the sampling and the core do not change.
#pragma once
#include <Arduino.h>

class LineTransport {
 public:
  virtual ~LineTransport() {}
  virtual void begin() = 0;
  // One complete line, CRLF included. Must not block for long: it runs between two sampling windows.
  virtual void send(const char *line, uint8_t length) = 0;
  // Called on every pass of loop(): reconnects, flushes queues.
  virtual void poll() {}
};

// USB serial at 115200 8N1, exactly what the ATmega328P node sends.
class SerialTransport : public LineTransport {
 public:
  explicit SerialTransport(HardwareSerial &port) : port_(port) {}
  void begin() override { port_.begin(115200, SERIAL_8N1); }
  void send(const char *line, uint8_t length) override { port_.write(reinterpret_cast<const uint8_t *>(line), length); }

 private:
  HardwareSerial &port_;
};
