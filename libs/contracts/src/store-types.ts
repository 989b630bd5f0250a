/** Store types glance-ts knows, by Glance's driver names (the values in `enabled_backends`). */
export const STORE_TYPES = ['rbd', 'file', 'http', 'cinder', 'swift', 's3'] as const;
export type StoreType = (typeof STORE_TYPES)[number];
