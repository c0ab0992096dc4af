/* fuzz_plan.c — libFuzzer target for the plan loader (cli_plan_load_string: cJSON, every
 * field's checks, vm_plan_validate) and, for a plan it accepts that vm_guest_check also
 * accepts, every guest-file emitter in memory (what `vtrunk render` writes, without
 * writing it).
 *
 * Input: the plan text (a NUL-terminated copy). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli_plan.h"
#include "fuzz_common.h"
#include "vm_apply.h"
#include "vm_docker.h"
#include "vm_guest.h"
#include "vm_ifupdown.h"
#include "vm_ipplan.h"
#include "vm_modules.h"
#include "vm_netplan.h"
#include "vm_summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void use(char *s)
{
	if (s)
		(void)strlen(s);
	free(s);
}

static void render(const struct vm_plan *plan)
{
	struct vm_err err;

	vm_err_clear(&err);
	if (vm_guest_check(plan, NULL, &err) < 0) {
		fuzz_err_check(&err, "vm_guest_check");
		return;
	}
	use(vm_modules_emit(plan));
	use(vm_docker_daemon_emit(plan));
	use(vm_summary_emit(plan, NULL));
	/* A few agents are enough: the emitters treat each alike. */
	for (size_t i = 0; i < plan->n_agents && i < 4; i++) {
		use(vm_ifupdown_emit(plan, i, NULL));
		use(vm_netplan_emit(plan, i, NULL));
		use(vm_docker_networks_emit(plan, i, NULL));
		use(vm_apply_emit(plan, i, NULL));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_plan *plan = (struct vm_plan *)&plan; /* must come back NULL on failure */
	struct vm_err err;
	char *text;

	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	vm_err_clear(&err);
	if (cli_plan_load_string(text, "fuzz.json", &plan, &err) == 0) {
		FUZZ_CHECK(plan != NULL, "cli_plan_load_string succeeded without a plan");
		vm_err_clear(&err);
		FUZZ_CHECK(vm_plan_validate(plan, &err) == 0, "a loaded plan fails vm_plan_validate: %s", err.msg);
		render(plan);
		vm_plan_free(&plan);
		FUZZ_CHECK(plan == NULL, "vm_plan_free did not clear the pointer");
	} else {
		FUZZ_CHECK(plan == NULL, "cli_plan_load_string failed but left *out set");
		fuzz_err_check(&err, "cli_plan_load_string");
		FUZZ_CHECK(err.kind == VM_ERR_USAGE, "plan errors are usage errors (exit 2), got %s",
			   vm_err_kind_name(err.kind));
	}
	vm_plan_free(&plan); /* NULL accepted */
	free(text);
	return 0;
}
