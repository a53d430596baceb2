// SPDX-License-Identifier: GPL-2.0
/*
 * A session's token index: its items by token, as an array sorted by
 * token.  Lookups are a binary search; CPRHOLD_LIST walks the array from
 * a cursor.  Parking adds whole batches: a batch whose tokens ascend past
 * every parked one (what a VMM parking its fds in order does) is appended
 * in place, any other is sorted and merged into a new array.  Adding is
 * done in two steps, so that park can check its limits in between and
 * stay all or nothing: cprhold_index_prepare() checks the tokens and
 * allocates (may sleep, changes nothing), cprhold_index_commit() makes
 * the batch visible (under the info lock, cannot fail).
 */
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "cprhold.h"

/* The first slot of @s with a token >= @token (nr_items if none). */
u32 cprhold_index_from(struct cprhold_session *s, u64 token)
{
	u32 lo = 0, hi = s->nr_items;

	lockdep_assert_held(&s->lock);
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (s->slots[mid].token < token)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The item of @s with @token, or NULL.  *@pos is where to look first, and
 * is left after the item found: lookups of ascending tokens (a VMM
 * retrieving what it parked, in order) take one step each.
 */
struct cprhold_item *cprhold_index_find(struct cprhold_session *s, u64 token, u32 *pos)
{
	u32 i = *pos;

	if (i >= s->nr_items || s->slots[i].token != token)
		i = cprhold_index_from(s, token);
	if (i >= s->nr_items || s->slots[i].token != token)
		return NULL;
	*pos = i + 1;
	return s->slots[i].item;
}

static int cprhold_slot_cmp(const void *a, const void *b)
{
	u64 x = ((const struct cprhold_slot *)a)->token;
	u64 y = ((const struct cprhold_slot *)b)->token;

	return x < y ? -1 : x > y;
}

/*
 * Do the tokens of @batches strictly ascend?  Sets *@dup if two neighbours
 * are equal, *@first to the first token.
 */
static bool cprhold_items_ascend(struct list_head *batches, bool *dup, u64 *first)
{
	const struct cprhold_item *prev = NULL;
	struct cprhold_batch *b;
	u32 i;

	*dup = false;
	list_for_each_entry(b, batches, node) {
		for (i = 0; i < b->count; prev = &b->items[i++]) {
			if (!prev) {
				*first = b->items[i].token;
			} else if (b->items[i].token <= prev->token) {
				*dup = b->items[i].token == prev->token;
				return false;
			}
		}
	}
	return true;
}

/* Slots for the items of @batches, in their order, at @out. */
static void cprhold_index_fill(struct list_head *batches, struct cprhold_slot *out)
{
	struct cprhold_batch *b;
	u32 i;

	list_for_each_entry(b, batches, node) {
		for (i = 0; i < b->count; i++, out++) {
			out->token = b->items[i].token;
			out->item = &b->items[i];
		}
	}
}

/*
 * Merge the sorted @add (@nr_add slots, no token twice) with @s's slots
 * into @out: -EEXIST if a token is in both.
 */
static int cprhold_index_merge(struct cprhold_session *s, const struct cprhold_slot *add,
			       u32 nr_add, struct cprhold_slot *out)
{
	const struct cprhold_slot *old = s->slots;
	u32 i = 0, j = 0, k = 0;

	while (i < s->nr_items && j < nr_add) {
		if (old[i].token == add[j].token)
			return -EEXIST;
		out[k++] = old[i].token < add[j].token ? old[i++] : add[j++];
	}
	while (i < s->nr_items)
		out[k++] = old[i++];
	while (j < nr_add)
		out[k++] = add[j++];
	return 0;
}

/*
 * Check that the tokens of the @count items of @batches are new to @s and
 * to each other (-EEXIST), and prepare the index that will hold them:
 * *@out is NULL if they will be appended in place, else a new array
 * (*@out_max slots) to pass to cprhold_index_commit() or to kvfree().
 * Changes nothing in @s.
 */
int cprhold_index_prepare(struct cprhold_session *s, struct list_head *batches, u32 count,
			  struct cprhold_slot **out, u32 *out_max)
{
	struct cprhold_slot *add = NULL, *new;
	u32 need, max, i;
	bool ascends, dup;
	u64 first = 0;
	int ret;

	lockdep_assert_held(&s->lock);
	*out = NULL;
	if (check_add_overflow(s->nr_items, count, &need))
		return -ENOSPC;
	ascends = cprhold_items_ascend(batches, &dup, &first);
	if (dup)
		return -EEXIST;
	/* After every parked token: append, in place if there is room. */
	ascends = ascends && (!s->nr_items || first > s->slots[s->nr_items - 1].token);
	if (ascends && need <= s->max_slots)
		return 0;

	/* Room for @need, doubling (amortized appends) when it must grow. */
	max = s->max_slots;
	if (need > max)
		max = max3(need, (u32)min_t(u64, 2ULL * max, U32_MAX), 16U);
	new = kvmalloc_array(max, sizeof(*new), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!new)
		return -ENOMEM;
	if (ascends) {
		if (s->nr_items)
			memcpy(new, s->slots, s->nr_items * sizeof(*new));
		cprhold_index_fill(batches, new + s->nr_items);
		goto done;
	}
	add = kvmalloc_array(count, sizeof(*add), GFP_KERNEL | __GFP_NOWARN);
	if (!add) {
		ret = -ENOMEM;
		goto err;
	}
	cprhold_index_fill(batches, add);
	sort(add, count, sizeof(*add), cprhold_slot_cmp, NULL);
	for (i = 1; i < count; i++) {
		if (add[i].token == add[i - 1].token) {
			ret = -EEXIST;
			goto err;
		}
	}
	ret = cprhold_index_merge(s, add, count, new);
	if (ret)
		goto err;
	kvfree(add);
done:
	*out = new;
	*out_max = max;
	return 0;
err:
	kvfree(add);
	kvfree(new);
	return ret;
}

/*
 * Make the @count items of @batches visible in @s, with what
 * cprhold_index_prepare() returned, and take @batches.  Under both
 * session locks.  Returns the array to kvfree().
 */
struct cprhold_slot *cprhold_index_commit(struct cprhold_session *s, struct list_head *batches,
					  u32 count, struct cprhold_slot *new, u32 new_max)
{
	struct cprhold_slot *old = NULL;

	lockdep_assert_held(&s->lock);
	lockdep_assert_held(&s->info_lock);
	if (new) {
		old = s->slots;
		s->slots = new;
		s->max_slots = new_max;
	} else {
		cprhold_index_fill(batches, s->slots + s->nr_items);
	}
	list_splice_tail_init(batches, &s->batches);
	WRITE_ONCE(s->nr_items, s->nr_items + count);
	return old;
}
