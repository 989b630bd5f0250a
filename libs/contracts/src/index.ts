import 'reflect-metadata';

export * from './error.dto';
export * from './info.dto';
export * from './store-types';
export * from './stores.dto';
export * from './versions.dto';
export * from './image-schema';
export type { Image } from './image';
export * from './member-schema';
