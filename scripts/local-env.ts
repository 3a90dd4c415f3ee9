// Imported first by the local entry points, before any AWS SDK module is evaluated: the SDK warns
// at load time that releases after January 2027 need Node 22; this machine's Node 20 is supported
// by the pinned version, so the warning is noise here.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
