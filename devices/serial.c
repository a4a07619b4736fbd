// SPDX-License-Identifier: MIT
#include "serial.h"

#include <string.h>

#include "../lib/outbuf.h"

/* Register offsets and bits (the 16550 data sheet's names). */
enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5,
       MSR = 6, SCR = 7 };
#define IER_RDA 0x01
#define IER_THRE 0x02
#define IIR_NONE 0x01
#define IIR_THRE 0x02
#define IIR_RDA 0x04
#define IIR_FIFO 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define LCR_DLAB 0x80
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_DCD_DSR_CTS 0xb0

void serial_init(struct serial *s, int out_fd,
		 void (*set_irq)(void *opaque, int level), void *irq_opaque)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->out = outbuf_for_fd(out_fd);
	s->set_irq = set_irq;
	s->irq_opaque = irq_opaque;
}

static uint8_t pending_iir(const struct serial *s)
{
	if ((s->ier & IER_RDA) && s->rx_count)
		return IIR_RDA;
	if ((s->ier & IER_THRE) && s->thr_irq)
		return IIR_THRE;
	return IIR_NONE;
}

/* Called with the lock held after any state change. */
static void update_irq(struct serial *s)
{
	bool level = pending_iir(s) != IIR_NONE;

	if (level != s->irq_level && s->set_irq) {
		s->irq_level = level;
		s->set_irq(s->irq_opaque, level);
	}
}

/* Never blocks: a closed or full output loses the byte, never the VM. */
static void transmit(struct serial *s, uint8_t c)
{
	if (s->out)
		outbuf_put(s->out, &c, 1);
	s->tx_bytes++;
	s->thr_irq = true;
}

static uint8_t read_reg(struct serial *s, unsigned int reg)
{
	uint8_t v = 0, iir;

	switch (reg) {
	case RBR_THR:
		if (s->lcr & LCR_DLAB)
			return s->dll;
		if (s->rx_count) {
			v = s->rx[s->rx_head];
			s->rx_head = (s->rx_head + 1) % SERIAL_FIFO;
			s->rx_count--;
		}
		return v;
	case IER:
		return (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
	case IIR_FCR:
		iir = pending_iir(s);
		if (iir == IIR_THRE)
			s->thr_irq = false; /* reading IIR acknowledges it */
		return iir | ((s->fcr & FCR_ENABLE) ? IIR_FIFO : 0);
	case LCR: return s->lcr;
	case MCR: return s->mcr;
	case LSR:
		return LSR_THRE | LSR_TEMT | (s->rx_count ? LSR_DR : 0);
	case MSR: return MSR_DCD_DSR_CTS;
	default: return s->scr;
	}
}

static void write_reg(struct serial *s, unsigned int reg, uint8_t v)
{
	switch (reg) {
	case RBR_THR:
		if (s->lcr & LCR_DLAB)
			s->dll = v;
		else
			transmit(s, v);
		break;
	case IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
		} else {
			/* Enabling THRE with an empty transmitter interrupts. */
			if ((v & IER_THRE) && !(s->ier & IER_THRE))
				s->thr_irq = true;
			s->ier = v & 0x0f;
		}
		break;
	case IIR_FCR:
		s->fcr = v;
		if (v & FCR_CLEAR_RX)
			s->rx_count = 0;
		break;
	case LCR: s->lcr = v; break;
	case MCR: s->mcr = v; break;
	case SCR: s->scr = v; break;
	default: break; /* LSR and MSR are read-only */
	}
}

static void serial_read(void *dev, const struct io_req *req, uint8_t *data)
{
	struct serial *s = dev;

	pthread_mutex_lock(&s->lock);
	/* Wider accesses read consecutive registers, as on real buses. */
	for (unsigned int i = 0; i < req->len; i++)
		data[i] = read_reg(s, (unsigned int)req->offset + i);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static void serial_write(void *dev, const struct io_req *req,
			 const uint8_t *data)
{
	struct serial *s = dev;

	pthread_mutex_lock(&s->lock);
	for (unsigned int i = 0; i < req->len; i++)
		write_reg(s, (unsigned int)req->offset + i, data[i]);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

void serial_receive(void *dev, const uint8_t *buf, size_t len)
{
	struct serial *s = dev;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < len; i++) {
		if (s->rx_count == SERIAL_FIFO) {
			s->rx_dropped += len - i;
			break;
		}
		s->rx[(s->rx_head + s->rx_count) % SERIAL_FIFO] = buf[i];
		s->rx_count++;
	}
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

const struct dev_ops serial_ops = {
	.name = "serial",
	.read = serial_read,
	.write = serial_write,
};
