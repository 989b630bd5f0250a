/** Nest injection token of the ImageRepository (an interface, so it needs a token). */
export const IMAGE_REPOSITORY = Symbol('IMAGE_REPOSITORY');

/** Nest injection token of the HashJobRepository (the queue of background hashing jobs). */
export const HASH_JOB_REPOSITORY = Symbol('HASH_JOB_REPOSITORY');

/** Nest injection token of the ImageMemberRepository (image sharing). */
export const IMAGE_MEMBER_REPOSITORY = Symbol('IMAGE_MEMBER_REPOSITORY');
