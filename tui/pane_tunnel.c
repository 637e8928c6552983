// SPDX-License-Identifier: GPL-2.0
/*
 * The link to the target: a state badge with its reason, the RTT as a
 * sparkline over the samples kept (one a second), current/min/max RTT,
 * uptime, reconnects, bytes both ways and the last error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ssh/link.h"
#include "core/session.h"
#include "core/vm/vm.h"
#include "tui/dash.h"

#define RTT_MAX 600

static void ms(char *buf, size_t cap, int32_t us)
{
	if (us < 0)
		snprintf(buf, cap, "-");
	else
		snprintf(buf, cap, "%.1fms", us / 1000.0);
}

static void tunnel_draw(struct dash *d, struct pane *p, WINDOW *w, int h,
			int wd)
{
	struct link *l = session_link(d->s);
	struct vm *vm = session_vm(d->s);
	struct link_stats st;
	char a[32], b[32], c[32], e[32];
	int y = 0;

	if (!l) {
		draw_role(d, w, TR_LINK_DOWN);
		draw_printf(w, 0, 0, wd, " NO LINK ");
		draw_role(d, w, TR_NORMAL);
		if (vm)
			draw_printf(w, 1, 0, wd, "VM %s%s%s - s starts it",
				    vm_stage_name(vm_stage(vm)),
				    vm_error(vm)[0] ? ": " : "", vm_error(vm));
		else
			draw_printf(w, 1, 0, wd, "not connected");
		return;
	}
	link_stats(l, &st);
	if (vm && vm_halted(vm)) {
		/* the same connection waits for the guest: not judged */
		char why[96];

		snprintf(why, sizeof(why),
			 "%s: the link waits, not judged, until it runs",
			 vm_halted_by_gdb(vm) ? "VM halted by gdb" :
						"VM paused");
		draw_role(d, w, TR_LINK_DEGRADED);
		draw_printf(w, 0, 0, wd, " HALTED ");
		draw_role(d, w, TR_NORMAL);
		y = draw_wrapped(w, 0, 9, wd - 9, h > 2 ? h - 2 : h, why,
				 strlen(why), true);
	} else {
		int x = (int)strlen(link_state_name(link_state(l))) + 3;
		const char *why = link_message(l)[0] ?
					  link_message(l) :
				  link_reason(l) != LINK_R_NONE ?
					  link_reason_text(link_reason(l)) :
					  "";
		bool up = link_state(l) == LINK_UP ||
			  link_state(l) == LINK_DEGRADED;

		draw_role(d, w, dash_link_role(l));
		draw_printf(w, 0, 0, wd, " %s ",
			    link_state_name(link_state(l)));
		draw_role(d, w, TR_NORMAL);
		/*
		 * The reason in full: the rows below wait for it. Down,
		 * it is all there is to say (no RTT comes).
		 */
		y = why[0] ? draw_wrapped(w, 0, x, wd - x,
					  up && h > 2 ? h - 2 : h, why,
					  strlen(why), true) :
			     1;
	}
	if (y < h) {
		int32_t s[RTT_MAX];
		double v[RTT_MAX], scale = 0;
		size_t n = link_rtt_samples(l, s, RTT_MAX);
		int gw = wd - 9;

		if (gw > 0 && n > 0) {
			struct graph_cell *cells =
				calloc((size_t)gw, sizeof(*cells));
			struct graph_series se = { v, n, 0 };

			for (size_t i = 0; i < n; i++)
				v[i] = s[i] < 0 ? NAN : s[i] / 1000.0;
			if (cells && graph_sparkline(cells, gw, &se, d->graph,
						     0, &scale) == 0) {
				draw_printf(w, y, 0, 9, "RTT %4.0f ", scale);
				draw_graph(d, w, y, 9, cells, gw, 1);
			}
			free(cells);
		} else {
			draw_printf(w, y, 0, wd, "RTT no samples yet");
		}
		y++;
	}
	ms(a, sizeof(a), st.last_rtt_us);
	ms(b, sizeof(b), st.min_rtt_us);
	ms(c, sizeof(c), st.max_rtt_us);
	ms(e, sizeof(e), st.avg_rtt_us);
	if (y < h)
		draw_printf(w, y++, 0, wd, "now %s  min %s  max %s  avg %s", a,
			    b, c, e);
	draw_duration(a, sizeof(a), st.uptime_ms);
	if (y < h)
		draw_printf(w, y++, 0, wd,
			    "uptime %s  reconnects %u  probes %llu/%llu",
			    st.uptime_ms ? a : "-", st.reconnects,
			    (unsigned long long)st.probes_answered,
			    (unsigned long long)st.probes_sent);
	draw_bytes(a, sizeof(a), st.bytes_in);
	draw_bytes(b, sizeof(b), st.bytes_out);
	if (y < h)
		draw_printf(w, y++, 0, wd, "in %s  out %s", a, b);
	if (y < h && st.last_error[0]) {
		draw_role(d, w, TR_DIAG_WARNING);
		draw_printf(w, y++, 0, wd, "last error: %s", st.last_error);
		draw_role(d, w, TR_NORMAL);
	}
}

static void tunnel_summary(struct dash *d, struct pane *p, char *buf,
			   size_t cap, enum theme_role *role)
{
	struct link *l = session_link(d->s);
	struct vm *vm = session_vm(d->s);
	struct link_stats st;

	*role = dash_link_role(l);
	if (!l) {
		snprintf(buf, cap, "no link");
		return;
	}
	if (vm && vm_halted(vm)) {
		*role = TR_LINK_DEGRADED;
		snprintf(buf, cap, "HALTED (%s)",
			 vm_halted_by_gdb(vm) ? "VM halted by gdb" :
						"VM paused");
		return;
	}
	link_stats(l, &st);
	if (st.last_rtt_us >= 0 && link_state(l) != LINK_DOWN)
		snprintf(buf, cap, "%s rtt %.1fms",
			 link_state_name(link_state(l)),
			 st.last_rtt_us / 1000.0);
	else
		snprintf(buf, cap, "%s %s", link_state_name(link_state(l)),
			 link_message(l));
}

const struct pane_ops pane_tunnel_ops = {
	.title = "Tunnel",
	.changes = SC_LINK | SC_VM,
	.draw = tunnel_draw,
	.summary = tunnel_summary,
};
