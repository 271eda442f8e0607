/* SPDX-License-Identifier: MIT */
/*
 * sva/api.h - what libsva exports.
 *
 * The model is compiled with hidden visibility: only what the public
 * headers (include/sva/) declare between SVA_API_BEGIN and SVA_API_END is
 * exported by libsva.so and left global in libsva.a; every other function
 * of the model stays internal.  A function added to a public header is
 * exported by being declared there.
 */
#ifndef SVA_API_H
#define SVA_API_H

#if defined(__GNUC__)
#define SVA_VISIBILITY_PUSH _Pragma("GCC visibility push(default)")
#define SVA_VISIBILITY_POP _Pragma("GCC visibility pop")
#else
#define SVA_VISIBILITY_PUSH
#define SVA_VISIBILITY_POP
#endif

/* A function that does not return, in C and in C++. */
#ifdef __cplusplus
#define SVA_NORETURN [[noreturn]]
#else
#define SVA_NORETURN _Noreturn
#endif

#ifdef __cplusplus
#define SVA_API_BEGIN SVA_VISIBILITY_PUSH extern "C" {
#define SVA_API_END } SVA_VISIBILITY_POP
#else
#define SVA_API_BEGIN SVA_VISIBILITY_PUSH
#define SVA_API_END SVA_VISIBILITY_POP
#endif

#endif /* SVA_API_H */
