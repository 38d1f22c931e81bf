/* Typed, range-checked access to members of JSON objects from the network. */
#ifndef WF_FIELD_H
#define WF_FIELD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest integer every peer (also JavaScript) represents exactly. */
#define WF_INT_MAX ((int64_t)9007199254740991)

/*
 * wf_field_uint() - read member @key of @obj (borrowed) as an integer in
 * 0..@max into @out.
 * Returns 0, -ENOENT if the member is missing (then @out is unchanged), or
 * -EINVAL if it is not an integer in range.
 */
int wf_field_uint(const json_t *obj, const char *key, uint64_t max,
		  uint64_t *out);

/*
 * wf_field_int() - like wf_field_uint() for a signed integer in
 * @min..@max.
 */
int wf_field_int(const json_t *obj, const char *key, int64_t min, int64_t max,
		 int64_t *out);

/*
 * wf_field_string() - read member @key of @obj as a string.
 * @out receives a pointer borrowed from @obj, @len its length in bytes
 * (may be NULL). Returns 0, -ENOENT if missing, -EINVAL if not a string.
 */
int wf_field_string(const json_t *obj, const char *key, const char **out,
		    size_t *len);

/*
 * wf_field_path() - read member @key as a protocol path (path.h).
 * Returns 0, -ENOENT if missing, -EINVAL if not a valid path.
 */
int wf_field_path(const json_t *obj, const char *key, const char **out);

/*
 * wf_field_bool() - read member @key as a boolean.
 * Returns 0, -ENOENT if missing, -EINVAL if not a boolean.
 */
int wf_field_bool(const json_t *obj, const char *key, bool *out);

/*
 * wf_field_has_name() - whether member @key of @obj is an array holding the
 * string @name. A missing member or a non-array means false.
 */
bool wf_field_has_name(const json_t *obj, const char *key, const char *name);

#endif
