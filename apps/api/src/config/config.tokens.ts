/** Injection token of the validated GlanceConfig. */
export const GLANCE_CONFIG = Symbol('GLANCE_CONFIG');
