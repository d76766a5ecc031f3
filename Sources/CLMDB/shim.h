#ifndef CRMKIT_CLMDB_SHIM_H
#define CRMKIT_CLMDB_SHIM_H
#include <lmdb.h>
#endif
