#include "uart.h"

#include <avr/interrupt.h>
#include <avr/io.h>

#define BAUD 115200UL
/* Double speed: at 16 MHz, UBRR 16 gives 117,647 baud (+2.1 %), what every Arduino uses and USB bridges accept;
   without U2X the error would be -3.5 %. */
#define UBRR_VALUE ((F_CPU + BAUD * 4UL) / (BAUD * 8UL) - 1UL)

/* A power of two, and room for one whole line (163 bytes) plus the next one's start. */
#define QUEUE_SIZE 256u
static char queue[QUEUE_SIZE];
static volatile uint8_t head, tail; /* uint8_t indices wrap at 256 by themselves */

void uart_start(void) {
  UBRR0 = (uint16_t)UBRR_VALUE;
  UCSR0A = _BV(U2X0);
  UCSR0C = _BV(UCSZ01) | _BV(UCSZ00); /* 8 data bits, no parity, 1 stop bit */
  UCSR0B = _BV(TXEN0);
}

void uart_write(const char *text, uint8_t length) {
  for (uint8_t i = 0; i < length; i++) {
    uint8_t next = (uint8_t)(head + 1u);
    while (next == tail) {
      /* Full: the interrupt drains it. */
    }
    queue[head] = text[i];
    head = next;
    UCSR0B |= _BV(UDRIE0);
  }
}

ISR(USART_UDRE_vect) {
  if (head == tail) {
    UCSR0B &= (uint8_t)~_BV(UDRIE0);
    return;
  }
  UDR0 = queue[tail];
  tail = (uint8_t)(tail + 1u);
}
