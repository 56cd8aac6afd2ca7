/*
 * TEST ONLY — never shipped. Debian 12's Wine 8 has no bcryptprimitives.dll, and Rust's
 * standard library (1.78 and later) imports ProcessPrng from it to seed its hash maps, so
 * jixiao.exe does not start under that Wine. scripts/test-release.sh builds this file with
 * mingw into a bcryptprimitives.dll placed beside the TEST COPY of jixiao.exe only. Real
 * Windows 10/11 has the DLL; the release zip never holds this one.
 *
 *   x86_64-w64-mingw32-gcc -shared -O2 -s -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32
 */
#include <windows.h>

/* RtlGenRandom, exported by advapi32 under this name. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
