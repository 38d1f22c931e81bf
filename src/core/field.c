/* Typed, range-checked access to members of JSON objects from the network. */
#include "field.h"
#include "path.h"

#include <errno.h>
#include <string.h>

int wf_field_int(const json_t *obj, const char *key, int64_t min, int64_t max,
		 int64_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return -ENOENT;
	if (!json_is_integer(v))
		return -EINVAL;

	json_int_t n = json_integer_value(v);
	if (n < min || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

int wf_field_uint(const json_t *obj, const char *key, uint64_t max,
		  uint64_t *out)
{
	int64_t n;
	int64_t limit = max > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)max;
	int rc = wf_field_int(obj, key, 0, limit, &n);

	if (rc == 0)
		*out = (uint64_t)n;
	return rc;
}

int wf_field_string(const json_t *obj, const char *key, const char **out,
		    size_t *len)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return -ENOENT;
	if (!json_is_string(v))
		return -EINVAL;
	*out = json_string_value(v);
	if (len)
		*len = json_string_length(v);
	return 0;
}

int wf_field_path(const json_t *obj, const char *key, const char **out)
{
	const char *s;
	size_t len;
	int rc = wf_field_string(obj, key, &s, &len);

	if (rc)
		return rc;
	if (!wf_path_valid(s, len))
		return -EINVAL;
	*out = s;
	return 0;
}

int wf_field_bool(const json_t *obj, const char *key, bool *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return -ENOENT;
	if (!json_is_boolean(v))
		return -EINVAL;
	*out = json_is_true(v);
	return 0;
}

bool wf_field_has_name(const json_t *obj, const char *key, const char *name)
{
	json_t *arr = json_object_get(obj, key);
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return false;
	json_array_foreach(arr, i, v)
	{
		if (json_is_string(v) &&
		    strcmp(json_string_value(v), name) == 0)
			return true;
	}
	return false;
}
