/*
 * Firmware in the loop: runs the node's .elf in simavr (an ATmega328P at 16 MHz) with its hardware around it.
 *   - each CT pin (ADC0..3) gets a mains waveform at the amperes a test sets, sampled at the instant the firmware starts
 *     each conversion, through the CT's scale (30 A per volt) on the 2.5 V mid-rail bias;
 *   - an SHT31 on the TWI bus answers with the temperature and humidity a test sets, or stops answering;
 *   - the UART's bytes go to a pseudo-terminal that the kit's edge opens exactly as it opens a USB serial port.
 *
 * Usage: node-sim <firmware.elf> [--fast] [--link <path>]
 *   prints "pty <path>" then "ready" on stdout, then answers one line per command read on stdin:
 *     amps <ct 1-4> <A>         RMS current of a CT's fundamental
 *     hz <Hz>                   mains frequency for every CT (default 50)
 *     harmonic <ct> <n> <frac>  adds (or with frac 0 removes) the n-th harmonic at frac of the fundamental
 *     noise <ct> <A>            white noise RMS on a CT
 *     climate <°C> <%RH>        what the SHT31 measures
 *     sht ok|nack               the SHT31 answers, or does not acknowledge any more
 *     status                    simulated seconds, bytes sent, bytes dropped, SHT31 reads
 *     quit
 *   --fast lets the simulation run as fast as this computer can (benchmarks); by default it keeps to real time, like the
 *   board. --link makes a symlink to the pty (removed on exit).
 */
#include <avr_adc.h>
#include <avr_uart.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sim_avr.h>
#include <sim_elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "sht31.h"
#include "waveform.h"

#define CTS 4
#define TX_BUFFER 4096

static avr_t *avr;
static wave waves[CTS];
static uint64_t noise_seed = 0x9E3779B97F4A7C15ULL;
static sht31 sensor;
static int pty_master = -1;
static char tx[TX_BUFFER];
static size_t tx_length;
static unsigned long long bytes_sent, bytes_dropped;
static const char *link_path;
static volatile sig_atomic_t stopping;

static double seconds_now(void) { return (double)avr->cycle / (double)avr->frequency; }

/* A conversion starts: give its pin the waveform's value at this instant, in millivolts as simavr wants. */
static void on_conversion(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  (void)param;
  union {
    avr_adc_mux_t mux;
    uint32_t v;
  } e = {.v = value};
  if (e.mux.kind != ADC_MUX_SINGLE || e.mux.src >= CTS) return;
  double volts = wave_volts(&waves[e.mux.src], seconds_now(), &noise_seed);
  avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_ADC0 + e.mux.src), (uint32_t)(volts * 1000.0 + 0.5));
}

static void flush_tx(void) {
  while (tx_length) {
    ssize_t n = write(pty_master, tx, tx_length);
    if (n > 0) {
      bytes_sent += (unsigned long long)n;
      memmove(tx, tx + n, tx_length - (size_t)n);
      tx_length -= (size_t)n;
      continue;
    }
    /* Nobody reads the other end (no edge, or a full buffer): the bytes are lost, as on a cable nobody listens to. */
    bytes_dropped += tx_length;
    tx_length = 0;
  }
}

static void on_uart_byte(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  (void)param;
  if (tx_length == TX_BUFFER) flush_tx();
  tx[tx_length++] = (char)value;
  if (value == '\n') flush_tx();
}

static int open_pty(void) {
  pty_master = posix_openpt(O_RDWR | O_NOCTTY);
  if (pty_master < 0 || grantpt(pty_master) || unlockpt(pty_master)) return -1;
  const char *name = ptsname(pty_master);
  /* Raw, no echo, like a USB serial adapter: held open here so the settings stay while the edge closes and reopens. */
  int slave = open(name, O_RDWR | O_NOCTTY);
  if (slave < 0) return -1;
  struct termios t;
  tcgetattr(slave, &t);
  cfmakeraw(&t);
  cfsetspeed(&t, B115200);
  tcsetattr(slave, TCSANOW, &t);
  fcntl(pty_master, F_SETFL, fcntl(pty_master, F_GETFL) | O_NONBLOCK);
  if (link_path) {
    unlink(link_path);
    if (symlink(name, link_path)) return -1;
  }
  printf("pty %s\n", name);
  return 0;
}

static void no_sleep(avr_t *a, avr_cycle_count_t how_long) {
  (void)a;
  (void)how_long;
}

static int channel_of(const char *text) {
  int ct = atoi(text);
  return ct >= 1 && ct <= CTS ? ct - 1 : -1;
}

static void set_harmonic(wave *w, int order, double fraction) {
  for (int i = 0; i < w->harmonics; i++) {
    if (w->order[i] != order) continue;
    if (fraction > 0) {
      w->fraction[i] = fraction;
    } else {
      w->harmonics--;
      w->order[i] = w->order[w->harmonics];
      w->fraction[i] = w->fraction[w->harmonics];
    }
    return;
  }
  if (fraction > 0 && w->harmonics < WAVE_MAX_HARMONICS) {
    w->order[w->harmonics] = (uint8_t)order;
    w->fraction[w->harmonics++] = fraction;
  }
}

static void command(char *line) {
  char *word[5] = {0};
  int n = 0;
  for (char *p = strtok(line, " \t\r\n"); p && n < 5; p = strtok(NULL, " \t\r\n")) word[n++] = p;
  if (n == 0) return;
  int ct = n > 1 ? channel_of(word[1]) : -1;
  if (!strcmp(word[0], "amps") && n == 3 && ct >= 0 && atof(word[2]) >= 0) {
    waves[ct].amps = atof(word[2]);
  } else if (!strcmp(word[0], "hz") && n == 2 && atof(word[1]) > 0) {
    for (int i = 0; i < CTS; i++) waves[i].hz = atof(word[1]);
  } else if (!strcmp(word[0], "harmonic") && n == 4 && ct >= 0 && atoi(word[2]) >= 2) {
    set_harmonic(&waves[ct], atoi(word[2]), atof(word[3]));
  } else if (!strcmp(word[0], "noise") && n == 3 && ct >= 0) {
    waves[ct].noise_amps = atof(word[2]);
  } else if (!strcmp(word[0], "climate") && n == 3) {
    sensor.temperature_c = atof(word[1]);
    sensor.humidity_pct = atof(word[2]);
  } else if (!strcmp(word[0], "sht") && n == 2 && (!strcmp(word[1], "ok") || !strcmp(word[1], "nack"))) {
    sensor.answering = !strcmp(word[1], "ok");
  } else if (!strcmp(word[0], "status")) {
    printf("status seconds=%.3f sent=%llu dropped=%llu sht_reads=%u\n", seconds_now(), bytes_sent, bytes_dropped,
           sensor.measurements);
    fflush(stdout);
    return;
  } else if (!strcmp(word[0], "quit")) {
    stopping = 1;
  } else {
    printf("error unknown command or bad arguments\n");
    fflush(stdout);
    return;
  }
  printf("ok\n");
  fflush(stdout);
}

/* Reads whatever commands have arrived, without waiting. */
static void read_commands(void) {
  static char buffer[512];
  static size_t used;
  struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
  while (poll(&p, 1, 0) > 0) {
    ssize_t n = read(STDIN_FILENO, buffer + used, sizeof buffer - used - 1);
    if (n <= 0) {
      stopping = 1; /* the test went away */
      return;
    }
    used += (size_t)n;
    buffer[used] = 0;
    char *newline;
    while ((newline = strchr(buffer, '\n'))) {
      *newline = 0;
      command(buffer);
      used -= (size_t)(newline + 1 - buffer);
      memmove(buffer, newline + 1, used + 1);
    }
    if (used == sizeof buffer - 1) used = 0; /* a line longer than any command: drop it */
  }
}

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

int main(int argc, char **argv) {
  const char *elf = NULL;
  int fast = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--fast")) fast = 1;
    else if (!strcmp(argv[i], "--link") && i + 1 < argc) link_path = argv[++i];
    else elf = argv[i];
  }
  if (!elf) {
    fprintf(stderr, "usage: node-sim <firmware.elf> [--fast] [--link <path>]\n");
    return 2;
  }
  elf_firmware_t firmware;
  memset(&firmware, 0, sizeof firmware);
  if (elf_read_firmware(elf, &firmware)) {
    fprintf(stderr, "node-sim: cannot read %s\n", elf);
    return 1;
  }
  avr = avr_make_mcu_by_name("atmega328p");
  if (!avr) return 1;
  avr_init(avr);
  avr->log = LOG_ERROR;
  avr_load_firmware(avr, &firmware);
  avr->frequency = 16000000;
  avr->vcc = avr->avcc = avr->aref = 5000;
  if (fast) avr->sleep = no_sleep;

  for (int i = 0; i < CTS; i++)
    waves[i] = (wave){.hz = 50, .amps_per_volt = 30, .bias_volts = 2.5, .vref = 5.0, .phase = i * 0.7};
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_OUT_TRIGGER), on_conversion, NULL);

  uint32_t flags = 0;
  avr_ioctl(avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
  flags &= ~(uint32_t)AVR_UART_FLAG_STDIO;
  avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT), on_uart_byte, NULL);

  sht31_attach(&sensor, avr);

  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);
  if (open_pty()) {
    fprintf(stderr, "node-sim: cannot open a pseudo-terminal: %s\n", strerror(errno));
    return 1;
  }
  printf("ready\n");
  fflush(stdout);

  unsigned long steps = 0;
  int state = cpu_Running;
  while (!stopping && state != cpu_Done && state != cpu_Crashed) {
    state = avr_run(avr);
    /* Commands are looked at every few thousand instructions: often enough for a test, cheap for the simulation. */
    if (++steps % 4096 == 0) read_commands();
  }
  flush_tx();
  if (link_path) unlink(link_path);
  if (state == cpu_Crashed) {
    fprintf(stderr, "node-sim: the firmware crashed at %.3f s\n", seconds_now());
    return 1;
  }
  return 0;
}
