/* The USB-serial line to the kit: 115200 baud 8N1, transmit only, interrupt-driven so a line never stalls the sampling. */
#ifndef MINOTAKE_UART_H
#define MINOTAKE_UART_H

#include <stdint.h>

void uart_start(void);
/* Queues the bytes; waits only while the queue is full (a full line fits in it). */
void uart_write(const char *text, uint8_t length);

#endif
