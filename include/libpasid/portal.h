/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpasid/portal.h - the submission fast path, static inline.
 *
 * ENQCMD (shared work queues), MOVDIR64B (dedicated work queues), UMONITOR /
 * UMWAIT and PAUSE for completion waits, and 64-byte portal rotation. These
 * functions never execute CPUID and never check whether the instruction is
 * enabled: call them only after pasid_cpu_features() (or an opened
 * struct pasid_wq, whose info says which method it uses) has said so. ENQCMD
 * in particular must not be executed unless the KERNEL enables it (the CPU may
 * decode it even when CPUID hides it, and the kernel answers with SIGSEGV).
 *
 * The instructions are emitted as .byte sequences so that old assemblers
 * work: MOVDIR64B 66 0F 38 F8 /r, ENQCMD F2 0F 38 F8 /r, UMONITOR F3 0F AE /6,
 * UMWAIT F2 0F AE /6. Memory operands are 64-byte objects, as in Linux's
 * enqcmds()/movdir64b(), so the compiler knows exactly what is read and
 * written.
 *
 * Ordering: both submissions are weakly ordered with respect to older stores
 * to other addresses, so an SFENCE precedes them (Linux: wmb() before
 * iosubmit_cmds512()/enqcmds()): data buffers and the zeroed completion record
 * are globally visible before the device can read the descriptor.
 *
 * The portal of an opened work queue, its method and the rotation offset
 * come from pasid_wq_get_portal() (wq.h), whose comment states the contract
 * for callers that submit with these functions themselves.
 *
 * On other architectures the functions return -EOPNOTSUPP.
 * C99, compiles with -std=c99 -pedantic.
 */
#ifndef LIBPASID_PORTAL_H
#define LIBPASID_PORTAL_H

#include <errno.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Size of one portal page (mmap of /dev/dsa/wqX.Y) and of one descriptor. */
#define PASID_PORTAL_SIZE	4096u
#define PASID_DESC_SIZE		64u

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PASID_PORTAL_X86 1
#else
#define PASID_PORTAL_X86 0
#endif

/* A 64-byte object: the memory operand of ENQCMD and MOVDIR64B. */
struct pasid_line64 {
	unsigned char b[64];
};

/** pasid_sfence() - Order all older stores before younger ones (wmb()). */
static inline void pasid_sfence(void)
{
#if PASID_PORTAL_X86
	__asm__ __volatile__("sfence" : : : "memory");
#endif
}

/** pasid_pause() - Spin-loop hint (PAUSE on x86, nothing elsewhere). */
static inline void pasid_pause(void)
{
#if PASID_PORTAL_X86
	__asm__ __volatile__("pause" : : : "memory");
#endif
}

/**
 * pasid_enqcmd() - Submit a descriptor to a shared work queue portal.
 * @portal: 64-byte aligned address in the portal page
 * @desc: 64-byte aligned 64-byte descriptor; the CPU replaces its PASID and
 *	priv bits with IA32_PASID (which the kernel loads on first use)
 *
 * Return: 0 accepted, 1 the device answered "retry" (ZF=1: WQ full or not
 * enabled), -EOPNOTSUPP when not built for x86-64.
 */
static inline int pasid_enqcmd(volatile void *portal, const void *desc)
{
#if PASID_PORTAL_X86
	struct pasid_line64 *pasid_dst = (struct pasid_line64 *)(uintptr_t)portal;
	const struct pasid_line64 *pasid_src = (const struct pasid_line64 *)desc;
	unsigned char zf;

	pasid_sfence();
	/* ENQCMD %rax, (%rdx): F2 0F 38 F8, ModRM 0x02 (reg=rax, rm=[rdx]) */
#ifdef __GCC_ASM_FLAG_OUTPUTS__
	__asm__ __volatile__(".byte 0xf2, 0x0f, 0x38, 0xf8, 0x02"
			     : "=@ccz"(zf), "+m"(*pasid_dst)
			     : "m"(*pasid_src), "a"(pasid_dst), "d"(pasid_src));
#else
	__asm__ __volatile__(".byte 0xf2, 0x0f, 0x38, 0xf8, 0x02\n\tsetz %0"
			     : "=qm"(zf), "+m"(*pasid_dst)
			     : "m"(*pasid_src), "a"(pasid_dst), "d"(pasid_src)
			     : "cc");
#endif
	return zf ? 1 : 0;
#else
	(void)portal;
	(void)desc;
	return -EOPNOTSUPP;
#endif
}

/**
 * pasid_movdir64b() - Write a descriptor to a dedicated work queue portal (or
 * any 64-byte aligned destination) as one 64-byte direct store.
 * @portal: 64-byte aligned destination
 * @desc: 64-byte source (any alignment)
 *
 * MOVDIR64B is posted: nothing says whether a dedicated WQ accepted it; keep
 * the number in flight at or below the WQ size.
 *
 * Return: 0, or -EOPNOTSUPP when not built for x86-64.
 */
static inline int pasid_movdir64b(volatile void *portal, const void *desc)
{
#if PASID_PORTAL_X86
	struct pasid_line64 *pasid_dst = (struct pasid_line64 *)(uintptr_t)portal;
	const struct pasid_line64 *pasid_src = (const struct pasid_line64 *)desc;

	pasid_sfence();
	/* MOVDIR64B %rax, (%rdx): 66 0F 38 F8, ModRM 0x02 (reg=rax, rm=[rdx]) */
	__asm__ __volatile__(".byte 0x66, 0x0f, 0x38, 0xf8, 0x02"
			     : "+m"(*pasid_dst)
			     : "m"(*pasid_src), "a"(pasid_dst), "d"(pasid_src));
	return 0;
#else
	(void)portal;
	(void)desc;
	return -EOPNOTSUPP;
#endif
}

/**
 * pasid_umonitor() - Arm address monitoring on the line holding @addr
 * (WAITPKG).
 * Return: 0, or -EOPNOTSUPP when not built for x86-64.
 */
static inline int pasid_umonitor(const volatile void *addr)
{
#if PASID_PORTAL_X86
	/* UMONITOR %rax: F3 0F AE, ModRM 0xf0 (/6, rm=rax) */
	__asm__ __volatile__(".byte 0xf3, 0x0f, 0xae, 0xf0" : : "a"(addr) : "memory");
	return 0;
#else
	(void)addr;
	return -EOPNOTSUPP;
#endif
}

/** UMWAIT control: 0 = C0.2 (deeper, slower wake), 1 = C0.1 (light). */
#define PASID_UMWAIT_C02	0u
#define PASID_UMWAIT_C01	1u

/**
 * pasid_umwait() - Wait until the monitored line is written, an interrupt,
 * or the TSC reaches @tsc_deadline (WAITPKG).
 * @state: PASID_UMWAIT_C01 or PASID_UMWAIT_C02
 * @tsc_deadline: absolute TSC value
 *
 * Return: 1 when the OS time limit (IA32_UMWAIT_CONTROL) ended the wait
 * (CF=1), 0 otherwise, -EOPNOTSUPP when not built for x86-64.
 */
static inline int pasid_umwait(uint32_t state, uint64_t tsc_deadline)
{
#if PASID_PORTAL_X86
	unsigned char cf;
	uint32_t lo = (uint32_t)tsc_deadline, hi = (uint32_t)(tsc_deadline >> 32);

	/* UMWAIT %ecx: F2 0F AE, ModRM 0xf1 (/6, rm=ecx); deadline in EDX:EAX */
#ifdef __GCC_ASM_FLAG_OUTPUTS__
	__asm__ __volatile__(".byte 0xf2, 0x0f, 0xae, 0xf1"
			     : "=@ccc"(cf) : "c"(state), "a"(lo), "d"(hi) : "memory");
#else
	__asm__ __volatile__(".byte 0xf2, 0x0f, 0xae, 0xf1\n\tsetc %0"
			     : "=qm"(cf) : "c"(state), "a"(lo), "d"(hi) : "memory", "cc");
#endif
	return cf ? 1 : 0;
#else
	(void)state;
	(void)tsc_deadline;
	return -EOPNOTSUPP;
#endif
}

/** pasid_rdtsc() - The time-stamp counter (0 when not built for x86-64). */
static inline uint64_t pasid_rdtsc(void)
{
#if PASID_PORTAL_X86
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
#else
	return 0;
#endif
}

/**
 * pasid_portal_next() - Next submission address in a portal page.
 * @portal: the mapped portal page
 * @offset: rotation state, starts at 0
 *
 * Consecutive submissions go to consecutive 64-byte offsets (any offset in
 * the page is the same portal): writing the same line every time serialises
 * the write-combining buffer (about 100 ns versus 3.2 ns on a Xeon VM).
 *
 * Return: the address to submit to.
 */
static inline volatile void *pasid_portal_next(volatile void *portal, uint32_t *offset)
{
	uint32_t off = *offset;

	*offset = (off + PASID_DESC_SIZE) & (PASID_PORTAL_SIZE - 1u);
	return (volatile void *)((volatile unsigned char *)portal + off);
}

#ifdef __cplusplus
}
#endif

#endif /* LIBPASID_PORTAL_H */
