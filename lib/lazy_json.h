/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lazy_json.h - json-c, the SIMULATED topology file loader, loaded on first use (lazylib.h). Include it
 * after the library's own headers; call lazy_json_load() before the first
 * call. The list: every function of the library this code calls (an
 * `nm -u` of the objects must show none of them).
 */
#ifndef LIBPASID_LAZY_JSON_H
#define LIBPASID_LAZY_JSON_H

#define LAZY_JSON_FUNCS(X) \
	X(json_object_array_get_idx) \
	X(json_object_array_length) \
	X(json_object_get_boolean) \
	X(json_object_get_int64) \
	X(json_object_get_object) \
	X(json_object_get_string) \
	X(json_object_is_type) \
	X(json_object_object_get_ex) \
	X(json_object_put) \
	X(json_tokener_error_desc) \
	X(json_tokener_free) \
	X(json_tokener_get_error) \
	X(json_tokener_get_parse_end) \
	X(json_tokener_new) \
	X(json_tokener_parse_ex) \
	X(json_tokener_set_flags) \
	X(json_type_to_name) \

struct lazy_json_table {
#define LAZY_JSON_MEMBER(f) __typeof__(&f) f;
	LAZY_JSON_FUNCS(LAZY_JSON_MEMBER)
#undef LAZY_JSON_MEMBER
};

extern struct lazy_json_table lazy_json;

/* Return: 0, or -ELIBACC with *@ret_msg saying what is missing. */
int lazy_json_load(const char **ret_msg);

#ifndef LAZY_JSON_IMPL
#define json_object_array_get_idx lazy_json.json_object_array_get_idx
#define json_object_array_length lazy_json.json_object_array_length
#define json_object_get_boolean lazy_json.json_object_get_boolean
#define json_object_get_int64 lazy_json.json_object_get_int64
#define json_object_get_object lazy_json.json_object_get_object
#define json_object_get_string lazy_json.json_object_get_string
#define json_object_is_type lazy_json.json_object_is_type
#define json_object_object_get_ex lazy_json.json_object_object_get_ex
#define json_object_put lazy_json.json_object_put
#define json_tokener_error_desc lazy_json.json_tokener_error_desc
#define json_tokener_free lazy_json.json_tokener_free
#define json_tokener_get_error lazy_json.json_tokener_get_error
#define json_tokener_get_parse_end lazy_json.json_tokener_get_parse_end
#define json_tokener_new lazy_json.json_tokener_new
#define json_tokener_parse_ex lazy_json.json_tokener_parse_ex
#define json_tokener_set_flags lazy_json.json_tokener_set_flags
#define json_type_to_name lazy_json.json_type_to_name
#endif

#endif
