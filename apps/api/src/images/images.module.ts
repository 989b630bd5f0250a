import { Module } from '@nestjs/common';
import { IMAGE_ACCESS } from '../access/image-access';
import { HashJobRunner } from './hash-job-runner';
import { ImageAuthorizer } from './image-authorizer';
import { ImageDataController } from './image-data.controller';
import { ImageDataService } from './image-data.service';
import { ImageLocationsController } from './image-locations.controller';
import { ImageMembersController } from './image-members.controller';
import { ImageMembersService } from './image-members.service';
import { ImageLocationsService } from './image-locations.service';
import { ImagesController } from './images.controller';
import { ImagesService } from './images.service';
import { LocationAdmission } from './location-admission';
import { UploadRecovery } from './upload-recovery';

/** Images: metadata, data, locations, members, background hashing and recovery of abandoned uploads. */
@Module({
  controllers: [ImagesController, ImageDataController, ImageLocationsController, ImageMembersController],
  providers: [
    ImageAuthorizer,
    { provide: IMAGE_ACCESS, useExisting: ImageAuthorizer },
    ImagesService,
    ImageDataService,
    ImageLocationsService,
    ImageMembersService,
    LocationAdmission,
    HashJobRunner,
    UploadRecovery,
  ],
  exports: [IMAGE_ACCESS],
})
export class ImagesModule {}
