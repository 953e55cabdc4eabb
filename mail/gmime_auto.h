/*
 * gmime_auto.h: GMime for the layers that parse or build mail (mail/,
 * inbound/, the sender and the tools that read messages), with the
 * autocleanup declarations GMime 3.2 lacks, so that g_autoptr works on its
 * objects. It lives here, not in common/, so that code which never touches
 * a message (the store, the configuration, the scheduler) neither includes
 * nor links GMime.
 */
#ifndef CAD_GMIME_AUTO_H
#define CAD_GMIME_AUTO_H

#include <glib.h>
#include <gmime/gmime.h>

/* GMime 3.2.13 declares no autoptr cleanups; these make g_autoptr work. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeObject, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimePart, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeTextPart, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeMultipart, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeDataWrapper, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeFormatOptions, g_mime_format_options_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(InternetAddressList, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimePartIter, g_mime_part_iter_free)

#endif
