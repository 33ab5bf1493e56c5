// `make esp32-check`: the sketch's Wi-Fi transport and its config, type-checked with the host's g++ against the stand-ins here.
#include "../../esp32/minotake_node/wifi_transport.h"

void check() {
  WifiTransport transport;
  transport.begin();
  transport.send("M1,1,I,ct1=1.00*0000\r\n", 22);
  transport.poll();
}
