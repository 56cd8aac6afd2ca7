/*
 * TEST ONLY — never shipped. Holds a file open with no sharing, as Excel or WPS holds a
 * workbook it has open, so that scripts/test-release.sh can check that jixiao.exe reports such
 * a file as `unreadable` (Windows error 32, ERROR_SHARING_VIOLATION) instead of failing.
 *
 *   lockfile.exe PATH SECONDS    prints "locked" once the file is held, then holds it
 *
 *   x86_64-w64-mingw32-gcc -municode -O2 -s -o lockfile.exe lockfile.c
 */
#include <windows.h>
#include <stdio.h>
#include <wchar.h>

int wmain(int argc, wchar_t **argv)
{
    if (argc != 3) {
        fputs("usage: lockfile PATH SECONDS\n", stderr);
        return 2;
    }
    HANDLE h = CreateFileW(argv[1], GENERIC_READ | GENERIC_WRITE, 0 /* no sharing */, NULL,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "lockfile: cannot open (error %lu)\n", GetLastError());
        return 1;
    }
    puts("locked");
    fflush(stdout);
    Sleep((DWORD)_wtoi(argv[2]) * 1000);
    CloseHandle(h);
    return 0;
}
