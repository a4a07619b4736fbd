// SPDX-License-Identifier: MIT
#include "device_types.h"

#include <errno.h>
#include <unistd.h>

#include "../devices/virtio/blk.h"
#include "../devices/virtio/console.h"
#include "../devices/virtio/rng.h"
#include "../lib/util.h"
#include "vm.h"

/* Every cvmm platform is confidential: devices offer ACCESS_PLATFORM. */
static int virtio_init(struct virtio_dev *v, const struct virtio_dev_ops *ops,
		       void *priv, const struct dev_ctx *ctx)
{
	return virtio_dev_init(v, ops, priv, ctx->name, &ctx->vm->mem,
			       ctx->dma_base, ctx->dma_size, true);
}

static void virtio_cleanup(struct virtio_dev *v)
{
	if (v->ops)
		virtio_dev_destroy(v);
}

/* --- virtio-blk: one per --disk ---------------------------------------- */

static unsigned int blk_count(const struct vm_config *c)
{
	return c->ndisks;
}

static int blk_prepare(void *state, const struct vm_config *c,
		       unsigned int idx, char *err, size_t errlen)
{
	struct virtio_blk *b = state;

	char why[200];
	int ret;

	b->fd = -1;
	ret = virtio_blk_open(b, c->disk[idx].path, c->disk[idx].readonly, why,
			      sizeof(why));
	if (ret)
		snprintf(err, errlen, "disk '%s': %s", c->disk[idx].path, why);
	return ret;
}

static int blk_init(void *state, const struct dev_ctx *ctx,
		    struct virtio_dev **out)
{
	struct virtio_blk *b = state;
	int ret = virtio_init(&b->dev, &virtio_blk_ops, b, ctx);

	if (!ret && ctx->c->disk[ctx->idx].readonly)
		b->dev.features |= 1ULL << VIRTIO_BLK_F_RO;
	*out = &b->dev;
	return ret;
}

static void blk_cleanup(void *state)
{
	struct virtio_blk *b = state;

	virtio_cleanup(&b->dev);
	virtio_blk_close(b);
}

static void blk_describe(FILE *f, const struct vm_config *c, unsigned int idx)
{
	fprintf(f, ", %s (%s)", c->disk[idx].path,
		c->disk[idx].readonly ? "read-only" : "read-write");
}

/* --- virtio-rng: --rng --------------------------------------------------- */

static unsigned int rng_count(const struct vm_config *c)
{
	return c->rng ? 1 : 0;
}

static int rng_init(void *state, const struct dev_ctx *ctx,
		    struct virtio_dev **out)
{
	struct virtio_rng *r = state;

	*out = &r->dev;
	return virtio_init(&r->dev, &virtio_rng_ops, r, ctx);
}

static void rng_cleanup(void *state)
{
	virtio_cleanup(&((struct virtio_rng *)state)->dev);
}

/* --- virtio-console: --console virtio (takes stdin from the UART) -------- */

static unsigned int console_count(const struct vm_config *c)
{
	return c->console == CONSOLE_VIRTIO ? 1 : 0;
}

static int console_init(void *state, const struct dev_ctx *ctx,
			struct virtio_dev **out)
{
	struct virtio_console *con = state;

	virtio_console_init(con, STDOUT_FILENO);
	vm_set_input(ctx->vm, STDIN_FILENO, virtio_console_input, con);
	*out = &con->dev;
	return virtio_init(&con->dev, &virtio_console_ops, con, ctx);
}

static void console_cleanup(void *state)
{
	virtio_cleanup(&((struct virtio_console *)state)->dev);
}

/* Disks first, then rng, then the console: the order is the ABI. */
static const struct device_type types[] = {
	{ .kind = "virtio-blk", .prefix = "blk", .numbered = true,
	  .count = blk_count,
	  .state_size = sizeof(struct virtio_blk), .prepare = blk_prepare,
	  .init = blk_init, .cleanup = blk_cleanup, .describe = blk_describe },
	{ .kind = "virtio-rng", .prefix = "rng", .count = rng_count,
	  .state_size = sizeof(struct virtio_rng), .init = rng_init,
	  .cleanup = rng_cleanup },
	{ .kind = "virtio-console", .prefix = "console", .count = console_count,
	  .state_size = sizeof(struct virtio_console), .init = console_init,
	  .cleanup = console_cleanup },
};

const struct device_type *device_type_at(unsigned int i)
{
	return i < ARRAY_SIZE(types) ? &types[i] : NULL;
}
