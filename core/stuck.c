/*
 * stuck.c: what needs a person (see stuck.h). Each problem is decided
 * here once, from the enrollment and the time of the event that began
 * it, with the words and the command that cadencectl stuck prints.
 */
#include "core/stuck.h"

#include <string.h>

typedef struct {
	const char *type;
	gint64 time;
} last_event;

static gboolean
find_last(const cad_event *ev, void *arg)
{
	last_event *le = arg;

	if (strcmp(ev->type, le->type) == 0)
		le->time = ev->time;
	return TRUE;
}

/* The time of e's last event of type, 0 when none; FALSE on error. */
static gboolean
last_of(cad_txn *txn, const cad_enrollment *e, const char *type, gint64 *t,
        GError **error)
{
	last_event le = {type, 0};

	if (!cad_store_events_of(txn, e->id, find_last, &le, error))
		return FALSE;
	*t = le.time;
	return TRUE;
}

static void
stuck_free(gpointer p)
{
	cad_stuck *s = p;

	g_free(s->detail);
	g_free(s->fix);
	g_free(s);
}

static void
add(GPtrArray *out, cad_stuck_kind k, gint64 since, char *detail, char *fix)
{
	cad_stuck *s = g_new0(cad_stuck, 1);

	s->kind = k;
	s->since = since;
	s->detail = detail;
	s->fix = fix;
	g_ptr_array_add(out, s);
}

const char *
cad_stuck_name(cad_stuck_kind k)
{
	switch (k) {
	case CAD_STUCK_SENDING:
		return "interrupted send";
	case CAD_STUCK_ERROR:
		return "error";
	case CAD_STUCK_TASK:
		return "task overdue";
	}
	return "unknown";
}

static void
add_sending(GPtrArray *out, const cad_enrollment *e, gint64 t)
{
	const char *id = e->sending_msgid ? e->sending_msgid : "?";

	add(out, CAD_STUCK_SENDING, t,
	    g_strdup_printf(
	        "Message-ID <%s> may have "
	        "gone out: look for message-id=<%s> in the mail log",
	        id, id),
	    g_strdup_printf("cadencectl skip %" G_GUINT64_FORMAT
	                    " (it went out; the next step follows)",
	                    e->id));
}

static void
add_error(GPtrArray *out, const cad_enrollment *e, gint64 t)
{
	/* rep_name, rep_signature come from [rep ADDRESS]. */
	char *fix =
	    strstr(e->last_error, "\"rep_") != NULL
	        ? g_strdup_printf("set it in [rep %s] of cadence.conf; "
	                          "cadencectl resume %" G_GUINT64_FORMAT,
	                          e->rep, e->id)
	        : g_strdup_printf("cadencectl set-field %s NAME=VALUE; "
	                          "cadencectl resume %" G_GUINT64_FORMAT,
	                          e->address, e->id);

	add(out, CAD_STUCK_ERROR, t, g_strdup(e->last_error), fix);
}

static void
add_task(GPtrArray *out, const cad_enrollment *e, gint64 t)
{
	add(out, CAD_STUCK_TASK, t,
	    g_strdup_printf("task reminder sent to %s, no answer", e->rep),
	    g_strdup_printf("cadencectl done %" G_GUINT64_FORMAT
	                    " (or skip, or stop)",
	                    e->id));
}

GPtrArray *
cad_stuck_find(cad_txn *txn, const cad_enrollment *e, gint64 now,
               GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(stuck_free);
	gint64 t = 0;

	if (cad_state_is_final(e->state))
		return g_steal_pointer(&out);
	if (e->step_status == CAD_STEP_SENDING) {
		if (!last_of(txn, e, CAD_EV_SENDING, &t, error))
			return NULL;
		if (t < now - CAD_STUCK_SENDING_SECS)
			add_sending(out, e, t);
	}
	if (e->state == CAD_STATE_PAUSED && e->last_error != NULL) {
		if (!last_of(txn, e, CAD_EV_ERROR, &t, error))
			return NULL;
		add_error(out, e, t);
	}
	if (e->state == CAD_STATE_WAITING) {
		if (!last_of(txn, e, CAD_EV_TASK, &t, error))
			return NULL;
		if (t != 0 && now - t > CAD_STUCK_TASK_SECS)
			add_task(out, e, t);
	}
	return g_steal_pointer(&out);
}

gboolean
cad_stuck_has(const GPtrArray *problems, cad_stuck_kind k)
{
	for (guint i = 0; problems != NULL && i < problems->len; i++)
		if (((const cad_stuck *)g_ptr_array_index(problems, i))->kind ==
		    k)
			return TRUE;
	return FALSE;
}
