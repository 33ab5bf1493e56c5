/*
 * What one ATmega328P node is: its id, its CTs and their calibration, and whether an SHT31 is fitted.
 * Every value can be set from the make command line without editing this file, e.g.
 *   make avr NODE_ID=node-b CT_COUNT=2 CAL="-DCT1_AMPS_PER_VOLT=30 -DCT2_AMPS_PER_VOLT=60.6"
 */
#ifndef MINOTAKE_AVR_CONFIG_H
#define MINOTAKE_AVR_CONFIG_H

#ifndef NODE_ID
#define NODE_ID "node-a"
#endif
#ifndef FIRMWARE_VERSION
#define FIRMWARE_VERSION "1.0.0"
#endif

/* CTs on A0..A(CT_COUNT-1); at most 4, because A4 and A5 are the I²C pins on a Nano or Uno. */
#ifndef CT_COUNT
#define CT_COUNT 4
#endif
#if CT_COUNT < 0 || CT_COUNT > 4
#error "CT_COUNT must be 0..4"
#endif

/*
 * The calibration factor: amperes in the supply conductor per volt at the ADC pin.
 *   SCT-013-030 (30 A, 1 V output, burden built in):       30
 *   SCT-013-000 (100 A : 50 mA) with a 33 ohm burden:        2000 turns / 33 ohm = 60.6
 * Adjust on site against a clamp meter: new = old * meter reading / node reading.
 */
#ifndef CT1_AMPS_PER_VOLT
#define CT1_AMPS_PER_VOLT 30.0f
#endif
#ifndef CT2_AMPS_PER_VOLT
#define CT2_AMPS_PER_VOLT 30.0f
#endif
#ifndef CT3_AMPS_PER_VOLT
#define CT3_AMPS_PER_VOLT 30.0f
#endif
#ifndef CT4_AMPS_PER_VOLT
#define CT4_AMPS_PER_VOLT 30.0f
#endif

/* The ADC reference: AVcc, the board's 5 V. A USB port gives 4.75..5.25 V; measure it and set it for better accuracy. */
#ifndef VREF_VOLTS
#define VREF_VOLTS 5.0f
#endif

/* 1: an SHT31 on A4 (SDA) / A5 (SCL), reported as channel env1. 0: none. */
#ifndef CLIMATE
#define CLIMATE 1
#endif

#endif
