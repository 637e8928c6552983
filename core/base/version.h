/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KMDASH_VERSION_H
#define KMDASH_VERSION_H

#define KMDASH_VERSION "0.1.0"

#endif
